// CPU references for the counter-based RNG and dropout: plain loops written from the definitions
// (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011), never
// from the WGSL.
import type { FloatArray } from './types.js';

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

/** out[4i .. 4i+3] = Philox4x32-10(counters[4i .. 4i+3], keys[2i .. 2i+1]), for each block i. */
export function philoxReference(counters: ArrayLike<number>, keys: ArrayLike<number>, out: Uint32Array): void {
  for (let i = 0; i < out.length / 4; i++) {
    const block = philox4x32_10([counters[4 * i]!, counters[4 * i + 1]!, counters[4 * i + 2]!, counters[4 * i + 3]!], [keys[2 * i]!, keys[2 * i + 1]!]);
    out.set(block, 4 * i);
  }
}

/**
 * keep[i] = 1 when element i survives dropout with drop probability p, else 0.
 *
 * The RNG stream is Philox4x32-10 under `key`, read 4 words per counter: stream position s holds
 * word s mod 4 of the block for counter (⌊s/4⌋ mod 2^32, ⌊s/2^34⌋, 0, 0). Element i reads
 * position s = offset + i, and is dropped when that word u < ⌊p·2^32⌋ (so P(drop) = p to 2^-32).
 */
export function dropoutMaskReference(n: number, p: number, key: readonly [number, number], offset: number, keep: Uint8Array): void {
  const threshold = Math.floor(p * 2 ** 32);
  for (let i = 0; i < n; i++) {
    const position = offset + i;
    const counter = Math.floor(position / 4);
    const word = philox4x32_10([counter % 2 ** 32, Math.floor(counter / 2 ** 32), 0, 0], key)[position % 4]!;
    keep[i] = word >= threshold ? 1 : 0;
  }
}

/** y[i] = x[i] · keep[i] / (1 − p), with keep from `dropoutMaskReference(n, p, key, offset)`. */
export function dropoutReference(x: ArrayLike<number>, p: number, key: readonly [number, number], offset: number, y: FloatArray): void {
  const keep = new Uint8Array(y.length);
  dropoutMaskReference(y.length, p, key, offset, keep);
  const scale = 1 / (1 - p);
  for (let i = 0; i < y.length; i++) y[i] = keep[i] ? x[i]! * scale : 0;
}

/** dx[i] = dy[i] · keep[i] / (1 − p): y is linear in x with a fixed mask, so the VJP regenerates the same mask and scale. */
export function dropoutBackwardReference(dy: ArrayLike<number>, p: number, key: readonly [number, number], offset: number, dx: FloatArray): void {
  const keep = new Uint8Array(dx.length);
  dropoutMaskReference(dx.length, p, key, offset, keep);
  const scale = 1 / (1 - p);
  for (let i = 0; i < dx.length; i++) dx[i] = keep[i] ? dy[i]! * scale : 0;
}
