// CPU references for the counter-based RNG and dropout: plain loops written from the definitions,
// never from the WGSL. The generator itself, Philox4x32-10, lives in src/random/philox.ts (the
// initialisers use it too).
import { philox4x32_10 } from '../random/philox.js';
import type { FloatArray } from './types.js';

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
