// Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011),
// written from the paper and checked against its known-answer vectors. Neutral ground: the dropout
// CPU reference and the parameter initialisers (src/nn/init.ts) both draw from it, so editing a
// reference cannot silently change how models are initialised. The WGSL twin is
// shaders/common/philox.wgsl.

// Philox4x32 constants from the paper: the two round multipliers and the two Weyl key increments.
const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9;
const PHILOX_W1 = 0xbb67ae85;

/**
 * High 32 bits of the 64-bit product a·b of two u32. A double holds 53 bits, so b is split into
 * 16-bit halves: a·b = a·bHi·2^16 + a·bLo, where each partial product stays below 2^48 (exact).
 */
function mulHi(a: number, b: number): number {
  const partialLo = a * (b & 0xffff);
  const partialHi = a * (b >>> 16);
  return Math.floor((partialHi + Math.floor(partialLo / 0x10000)) / 0x10000);
}

/**
 * Philox4x32-10: the 128-bit block for `counter` (4 u32 words) under `key` (2 u32 words).
 * Each of the 10 rounds multiplies words 0 and 2 by M0 and M1 and mixes the high halves into the
 * other words with the round key; the key grows by (W0, W1) between rounds.
 */
export function philox4x32_10(counter: ArrayLike<number>, key: ArrayLike<number>): [number, number, number, number] {
  let [c0, c1, c2, c3] = [counter[0]! >>> 0, counter[1]! >>> 0, counter[2]! >>> 0, counter[3]! >>> 0];
  let [k0, k1] = [key[0]! >>> 0, key[1]! >>> 0];
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    const hi0 = mulHi(PHILOX_M0, c0);
    const lo0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const hi1 = mulHi(PHILOX_M1, c2);
    const lo1 = Math.imul(PHILOX_M1, c2) >>> 0;
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}
