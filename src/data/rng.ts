// A small seeded generator for data work (window starts, masking), computed with 32-bit integer
// arithmetic only, so the same seed gives the same stream in every browser, worker and Node.
import { ShapeError } from '../errors.js';

/** A source of uniform random numbers, as `maskTokens` and the batchers use it. */
export interface Rng {
  /** A uniform integer in [0, 2³²). */
  nextU32(): number;
  /** A uniform number in [0, 1) with 32 random bits: nextU32() / 2³². */
  nextFloat(): number;
  /** A uniform integer in [0, n), n an integer in [1, 2³²], without modulo bias. */
  nextInt(n: number): number;
}

/** xoshiro128** 1.1 (Blackman & Vigna 2018), its 128-bit state filled from a u32 seed by splitmix32. */
export class Xoshiro128 implements Rng {
  readonly #s = new Uint32Array(4);

  /** The generator for `seed`, a u32; the same seed gives the same stream everywhere. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new ShapeError(`Xoshiro128: seed must be a u32, got ${String(seed)}`);
    // splitmix32: a Weyl sequence (step 0x9e3779b9) through MurmurHash3's fmix32. fmix32 is a bijection
    // and the four inputs differ, so the state is never all zero.
    let weyl = seed;
    for (let i = 0; i < 4; i++) {
      weyl = (weyl + 0x9e3779b9) >>> 0;
      let z = weyl;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.#s[i] = z ^ (z >>> 16);
    }
  }

  /** A generator that continues from `state` (four u32, not all zero), as `getState()` returned it. */
  static fromState(state: readonly number[]): Xoshiro128 {
    const ok = Array.isArray(state) && state.length === 4 && state.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32);
    if (!ok || state.every((w) => w === 0))
      throw new ShapeError(`Xoshiro128.fromState: state must be four u32 words, not all zero, got ${JSON.stringify(state)}`);
    const rng = new Xoshiro128(0);
    rng.#s.set(state);
    return rng;
  }

  /** The four state words, to save with a checkpoint and resume with `fromState`. */
  getState(): [number, number, number, number] {
    const s = this.#s;
    return [s[0]!, s[1]!, s[2]!, s[3]!];
  }

  /** The next output, rotl(s1·5, 7)·9, then the state steps. */
  nextU32(): number {
    const s = this.#s;
    let s0 = s[0]!,
      s1 = s[1]!,
      s2 = s[2]!,
      s3 = s[3]!;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    return result;
  }

  /** A uniform number in [0, 1): nextU32() / 2³². */
  nextFloat(): number {
    return this.nextU32() / 2 ** 32;
  }

  /** A uniform integer in [0, n): draws below the largest multiple of n under 2³² are kept, the rest redrawn. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new ShapeError(`Xoshiro128.nextInt: n must be an integer in [1, 2^32], got ${String(n)}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const u = this.nextU32();
      if (u < limit) return u % n;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
