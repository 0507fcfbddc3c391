// A held-out split of any corpus (lines, documents, labelled rows), seeded, so that evaluation text is
// never trained on and the same split comes back in every run.
import { ShapeError } from '../errors.js';
import { checkInteger, describe } from './check.js';
import { epochPlan } from './epochs.js';

/** Options of `heldOutSplit`. */
export interface HeldOutSplitOptions {
  /** The share held out, in (0, 1): round(fraction · n) items, at least 1, leaving at least 1 to train on. */
  fraction: number;
  /** u32 seed of which items are held out. */
  seed: number;
}

/**
 * A seeded random split of any list into a training part and a held-out part (each keeps the items'
 * order). The same items, fraction and seed give the same split everywhere.
 */
export function heldOutSplit<T>(items: readonly T[], options: HeldOutSplitOptions): { train: T[]; heldOut: T[] } {
  const op = 'heldOutSplit';
  if (!Array.isArray(items)) throw new ShapeError(`${op}: items must be an array, got ${describe(items)}`);
  if (options === null || typeof options !== 'object') throw new ShapeError(`${op}: options { fraction, seed } are required, got ${describe(options)}`);
  const { fraction, seed } = options;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1))
    throw new ShapeError(`${op}: fraction must be a number in (0, 1), got ${describe(fraction)}`);
  checkInteger(op, 'seed', seed, 0, 2 ** 32 - 1);
  if (items.length < 2) throw new ShapeError(`${op}: items has ${items.length} item(s); a split needs at least 2`);
  const count = Math.min(items.length - 1, Math.max(1, Math.round(fraction * items.length)));
  // The first `count` indices of a seeded shuffle are held out.
  const order = epochPlan(op, items.length, { batchSize: items.length, seed }).indices(0, 0);
  const held = new Uint8Array(items.length);
  for (let i = 0; i < count; i++) held[order[i]!] = 1;
  const train: T[] = [];
  const heldOut: T[] = [];
  items.forEach((item, i) => (held[i] ? heldOut : train).push(item));
  return { train, heldOut };
}
