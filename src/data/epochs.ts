// Epochs over a fixed list of examples, as a data loader draws them: each epoch a seeded shuffle of
// the examples (or their order), cut into batches, the final short batch kept or dropped. The stream's
// position is a few numbers (epoch, batch, the masking generator's state), so a checkpoint can save it.
import { ShapeError } from '../errors.js';
import { checkInteger, describe } from './check.js';
import { Xoshiro128 } from './rng.js';

/** Where an epoch-based batch stream is (plain JSON): `setState` of it draws the same next batch. */
export interface EpochStreamState {
  /** The stream's function: `mlmLineBatches`, `nspBatches` or `classificationBatches`. */
  readonly kind: string;
  /** The current epoch (from 0). */
  readonly epoch: number;
  /** Batches drawn in the current epoch. */
  readonly batch: number;
  /** Batches drawn in all. */
  readonly batches: number;
  /** The masking generator's four u32 state words (drawn from only by the streams that mask). */
  readonly rng: readonly number[];
  /** The stream's shape, checked on restore: a state from another configuration is refused. */
  readonly batchSize: number;
  readonly seqLength: number;
  readonly examples: number;
}

/** A batch stream over epochs whose position can be saved and restored (for checkpoints). */
export interface EpochBatchStream<B> extends Generator<B, void, undefined> {
  /** The position after the last batch drawn (JSON-able). */
  getState(): EpochStreamState;
  /** Moves the stream to `state` (checked against this stream's kind, batch size, length and example count). */
  setState(state: EpochStreamState): void;
}

/** How the examples are cut into batches; the common options of the epoch-based streams. */
export interface EpochOptions {
  /** Rows per batch (B). */
  batchSize: number;
  /** u32 seed of the shuffles and the masking. */
  seed: number;
  /** Shuffle the examples every epoch (default true); false keeps their order. */
  shuffle?: boolean;
  /** Epochs to draw; the stream ends after them. Default: endless. */
  epochs?: number;
  /** The final batch of an epoch when fewer than batchSize examples are left: 'keep' (a shorter batch, default) or 'drop'. */
  lastBatch?: 'keep' | 'drop';
  /** Continue from a state `getState()` returned, instead of from the seed's start. */
  state?: EpochStreamState;
}

/** Checks the epoch options; the shuffle of epoch e and the number of batches an epoch has. */
export function epochPlan(op: string, examples: number, options: EpochOptions) {
  const { batchSize, seed, shuffle = true, epochs = Number.POSITIVE_INFINITY, lastBatch = 'keep' } = options;
  checkInteger(op, 'batchSize', batchSize, 1, 2 ** 31 - 1);
  checkInteger(op, 'seed', seed, 0, 2 ** 32 - 1);
  if (typeof shuffle !== 'boolean') throw new ShapeError(`${op}: shuffle must be a boolean, got ${describe(shuffle)}`);
  if (epochs !== Number.POSITIVE_INFINITY) checkInteger(op, 'epochs', epochs, 1, Number.MAX_SAFE_INTEGER);
  if (lastBatch !== 'keep' && lastBatch !== 'drop') throw new ShapeError(`${op}: lastBatch must be 'keep' or 'drop', got ${describe(lastBatch)}`);
  const perEpoch = lastBatch === 'drop' ? Math.floor(examples / batchSize) : Math.ceil(examples / batchSize);
  if (perEpoch < 1) throw new ShapeError(`${op}: ${examples} examples make no batch of ${batchSize} with lastBatch 'drop'`);
  let cached = -1;
  let order: Int32Array = new Int32Array(0);
  /** The example indices of batch `batch` of epoch `epoch`. */
  const indices = (epoch: number, batch: number): Int32Array => {
    if (epoch !== cached) {
      order = Int32Array.from({ length: examples }, (_, i) => i);
      if (shuffle) {
        // Fisher–Yates with a generator of the epoch's own, so any epoch's order is known from (seed, epoch) alone.
        const rng = new Xoshiro128((seed ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0);
        for (let i = examples - 1; i > 0; i--) {
          const j = rng.nextInt(i + 1);
          const t = order[i]!;
          order[i] = order[j]!;
          order[j] = t;
        }
      }
      cached = epoch;
    }
    return order.subarray(batch * batchSize, Math.min((batch + 1) * batchSize, examples));
  };
  return { batchSize, seed, epochs, perEpoch, indices };
}

/**
 * The generator of an epoch-based stream: `makeBatch(indices, rng)` builds each batch from its example
 * indices and the masking generator (seeded with `seed`); `shape` is what a restored state must match.
 */
export function epochStream<B>(
  op: string,
  kind: string,
  plan: ReturnType<typeof epochPlan>,
  shape: { batchSize: number; seqLength: number; examples: number },
  state: EpochStreamState | undefined,
  makeBatch: (indices: Int32Array, rng: Xoshiro128) => B,
): EpochBatchStream<B> {
  let rng = new Xoshiro128(plan.seed);
  let epoch = 0;
  let batch = 0;
  let drawn = 0;
  const setState = (value: unknown, where: string): void => {
    const restored = checkEpochState(`${op}: ${where}`, value, kind, shape, plan.perEpoch);
    ({ epoch, batch, batches: drawn, rng } = restored);
  };
  if (state !== undefined) setState(state, 'options.state');

  function* stream(): Generator<B, void, undefined> {
    while (epoch < plan.epochs) {
      const next = makeBatch(plan.indices(epoch, batch), rng);
      drawn++;
      if (++batch === plan.perEpoch) {
        batch = 0;
        epoch++;
      }
      yield next;
    }
  }
  const getState = (): EpochStreamState => ({ kind, epoch, batch, batches: drawn, rng: rng.getState(), ...shape });
  return Object.assign(stream(), { getState, setState: (value: EpochStreamState) => setState(value, 'setState') });
}

function checkEpochState(
  where: string,
  state: unknown,
  kind: string,
  shape: { batchSize: number; seqLength: number; examples: number },
  perEpoch: number,
): { epoch: number; batch: number; batches: number; rng: Xoshiro128 } {
  if (state === null || typeof state !== 'object' || Array.isArray(state))
    throw new ShapeError(`${where} must be a ${kind} state object, got ${describe(state)}`);
  const s = state as Record<string, unknown>;
  if (s.kind !== kind) throw new ShapeError(`${where}.kind must be "${kind}", got ${JSON.stringify(s.kind) ?? 'nothing'}`);
  for (const key of ['batchSize', 'seqLength', 'examples'] as const) {
    if (s[key] !== shape[key]) throw new ShapeError(`${where}.${key} is ${JSON.stringify(s[key]) ?? 'missing'}, but this stream has ${key} ${shape[key]}`);
  }
  checkInteger(where, 'epoch', s.epoch, 0, Number.MAX_SAFE_INTEGER);
  checkInteger(where, 'batch', s.batch, 0, perEpoch - 1);
  checkInteger(where, 'batches', s.batches, 0, Number.MAX_SAFE_INTEGER);
  try {
    return { epoch: s.epoch as number, batch: s.batch as number, batches: s.batches as number, rng: Xoshiro128.fromState(s.rng as number[]) };
  } catch (error) {
    throw new ShapeError(`${where}.rng: ${(error as Error).message}`);
  }
}
