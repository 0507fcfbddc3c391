// Training checkpoints: everything a run needs to continue bit for bit. One checkpoint is three
// files: model.safetensors (every parameter by name, F32), optimizer.safetensors (each trained
// parameter's optimizer state, named as torch's state dict names it: `<param>.exp_avg`,
// `<param>.exp_avg_sq`, `<param>.momentum_buffer`) and trainer_state.json (the counters, hence the
// schedule position and the dropout stream position, the data iterator's state, the losses so far,
// user metadata). GPU tensors are read one at a time while the files are written.
import { ArgumentError, CheckpointError, DeviceLostError, describeNumber, describeValue, formatShape } from '../errors.js';
import { SafetensorsFile } from '../io/safetensors.js';
import { readText } from '../io/source.js';
import { type TensorToWrite, safetensorsBlob } from '../io/writer.js';
import type { Tensor } from '../tensor/tensor.js';
import type { CheckpointStore, StoredCheckpoint } from './checkpoint-store.js';
import type { TrainStep } from './train-step.js';

/** The file of the parameters. */
export const MODEL_FILE = 'model.safetensors';
/** The file of the optimizer state. */
export const OPTIMIZER_FILE = 'optimizer.safetensors';
/** The file of the counters, random states, losses and metadata. */
export const TRAINER_STATE_FILE = 'trainer_state.json';
/** The version of the checkpoint layout this library writes (and the only one it reads). */
export const CHECKPOINT_FORMAT_VERSION = 1;
/** The library version written into each checkpoint (kept equal to package.json's by a test). */
export const LIBRARY_VERSION = '0.1.0';

/** trainer_state.json is small; a bigger one is refused before it is read. */
const MAX_STATE_BYTES = 64 * 1024 * 1024;
const FORMAT = 'shaderformer-checkpoint';

/** trainer_state.json: the counters and random states of a run, as saved. */
export interface TrainerState {
  readonly format: typeof FORMAT;
  readonly formatVersion: number;
  readonly libraryVersion: string;
  /** `step` calls done (micro-batches). */
  readonly microSteps: number;
  /** Optimizer updates done: the schedule's position (the next update is `updates + 1`). */
  readonly updates: number;
  /** Updates skipped for a non-finite loss or gradient norm. */
  readonly skippedUpdates: number;
  readonly accumulationSteps: number;
  /** The optimizer's name and its state tensors' names (`exp_avg`, …). */
  readonly optimizer: { readonly name: string; readonly state: readonly string[] };
  /** The learning rate of the latest update (for people reading the file; restored from `updates`). */
  readonly learningRate: number;
  /** The dropout stream: its Philox key and where the next micro-step reads (`microSteps × streamPerStep`). */
  readonly dropout: { readonly seed: number; readonly streamPerStep: number; readonly position: number };
  /** The batch iterator's state (`getState()`), or null. */
  readonly data: unknown;
  /** The loss of every micro-step so far (null for a non-finite one, which JSON cannot hold). */
  readonly losses: readonly (number | null)[];
  /** What the caller added (JSON). */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Options of `saveCheckpoint`. */
export interface SaveCheckpointOptions {
  /** The batch iterator's state (e.g. `mlmBatches(…).getState()`); JSON. */
  data?: unknown;
  /** The losses so far. */
  losses?: readonly number[];
  /** Anything else to keep with the checkpoint (JSON). */
  metadata?: Record<string, unknown>;
}

/** What `saveCheckpoint` did. */
export interface SavedCheckpoint {
  /** The checkpoint's number: the updates done. */
  step: number;
  /** Bytes of the three files. */
  bytes: number;
}

/** Torch's names for an optimizer's state tensors, in the order our optimizers keep them. */
function stateNames(optimizer: { name: string; stateCount: number }): string[] {
  if ((optimizer.name === 'AdamW' || optimizer.name === 'Adam') && optimizer.stateCount === 2) return ['exp_avg', 'exp_avg_sq'];
  if (optimizer.name === 'SGD' && optimizer.stateCount === 1) return ['momentum_buffer'];
  return Array.from({ length: optimizer.stateCount }, (_, i) => `state_${i}`);
}

function tensorToWrite(name: string, tensor: Tensor): TensorToWrite {
  // Read when the writer reaches it: one GPU tensor in the JS heap at a time.
  return {
    name,
    shape: tensor.shape,
    dtype: 'F32',
    data: async () => {
      const values = await tensor.data();
      return values instanceof Float32Array ? values : Float32Array.from(values);
    },
  };
}

/**
 * Saves `step`'s parameters, optimizer state and counters to `store` as checkpoint `step.updates`
 * (the store keeps its newest `keep`). Call between steps, after the last step's promise has
 * resolved, at the end of an accumulation cycle (a save mid-cycle is refused: the accumulated
 * gradients are not saved).
 */
export async function saveCheckpoint(store: CheckpointStore, step: TrainStep, options: SaveCheckpointOptions = {}): Promise<SavedCheckpoint> {
  const op = 'saveCheckpoint';
  checkStore(op, store);
  checkTrainStep(op, step);
  if (options === null || typeof options !== 'object') throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
  const parts = step.checkpointParts();
  if (step.microSteps % parts.accumulationSteps !== 0) {
    throw new CheckpointError(
      `${op}: micro-step ${step.microSteps} is inside an accumulation cycle of ${parts.accumulationSteps}; save after the cycle's last micro-step (the accumulated gradients are not saved)`,
    );
  }
  const names = stateNames(step.optimizer);
  const state: TrainerState = {
    format: FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    libraryVersion: LIBRARY_VERSION,
    microSteps: step.microSteps,
    updates: step.updates,
    skippedUpdates: parts.skippedUpdates,
    accumulationSteps: parts.accumulationSteps,
    optimizer: { name: step.optimizer.name, state: names },
    learningRate: step.updates > 0 ? step.optimizer.learningRate(step.updates) : 0,
    dropout: { seed: parts.seed, streamPerStep: parts.streamPerStep, position: step.microSteps * parts.streamPerStep },
    data: options.data ?? null,
    losses: (options.losses ?? []).map((l) => (Number.isFinite(l) ? l : null)),
    metadata: options.metadata ?? {},
  };
  let json: string;
  try {
    json = JSON.stringify(state);
  } catch (error) {
    throw new ArgumentError(`${op}: options.data and options.metadata must be JSON: ${(error as Error).message}`);
  }
  const model = parts.parameters.names().map((name) => tensorToWrite(name, parts.parameters.tensor(name)));
  const optimizer = parts.trained.flatMap((p, i) => names.map((n, j) => tensorToWrite(`${p.name}.${n}`, parts.states[i]![j]!)));
  const files = {
    [MODEL_FILE]: await safetensorsBlob(model, { format: 'pt' }),
    [OPTIMIZER_FILE]: await safetensorsBlob(optimizer, { format: 'pt' }),
    [TRAINER_STATE_FILE]: new TextEncoder().encode(json),
  };
  await store.save(step.updates, files);
  return { step: step.updates, bytes: files[MODEL_FILE].size + files[OPTIMIZER_FILE].size + files[TRAINER_STATE_FILE].byteLength };
}

/** Options of `loadCheckpoint`. */
export interface LoadCheckpointOptions {
  /** Which checkpoint (default: the latest). */
  step?: number;
}

/**
 * Loads checkpoint `options.step` (default: the latest) from `store` into `step`: parameters,
 * optimizer state and counters (so the schedule and the dropout stream continue where they were).
 * Everything is checked before anything is written: the files, the format version, the counters, and
 * that names and shapes match the step's parameters and optimizer. Resolves to the trainer state
 * (for the data iterator's state, the losses, the metadata), or `undefined` when the store is empty.
 */
export async function loadCheckpoint(store: CheckpointStore, step: TrainStep, options: LoadCheckpointOptions = {}): Promise<TrainerState | undefined> {
  const op = 'loadCheckpoint';
  checkStore(op, store);
  checkTrainStep(op, step);
  if (options === null || typeof options !== 'object') throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
  const stored = await store.load(options.step);
  if (!stored) return undefined;
  const where = `${op}: ${stored.location}`;
  // The store's own errors (a missing file) get this function's name.
  const checkpoint: StoredCheckpoint = {
    ...stored,
    file: (name) =>
      stored.file(name).catch((error: unknown) => {
        throw error instanceof CheckpointError ? new CheckpointError(`${op}: ${error.message}`) : error;
      }),
  };
  const parts = step.checkpointParts();
  const state = await readTrainerState(where, checkpoint);
  const names = stateNames(step.optimizer);
  const mismatch = (field: string, saved: unknown, here: unknown): never => {
    throw new CheckpointError(
      `${where}/${TRAINER_STATE_FILE}: ${field} is ${JSON.stringify(saved)} in the checkpoint but ${JSON.stringify(here)} in this training step`,
    );
  };
  if (state.optimizer.name !== step.optimizer.name) mismatch('optimizer.name', state.optimizer.name, step.optimizer.name);
  if (JSON.stringify(state.optimizer.state) !== JSON.stringify(names)) mismatch('optimizer.state', state.optimizer.state, names);
  if (state.accumulationSteps !== parts.accumulationSteps) mismatch('accumulationSteps', state.accumulationSteps, parts.accumulationSteps);
  if (state.dropout.seed !== parts.seed) mismatch('dropout.seed', state.dropout.seed, parts.seed);

  // Both headers first: a wrong name or shape is found before any value is overwritten.
  const expectModel = new Map(parts.parameters.names().map((name) => [name, parts.parameters.tensor(name)]));
  const expectOptimizer = new Map(parts.trained.flatMap((p, i) => names.map((n, j) => [`${p.name}.${n}`, parts.states[i]![j]!] as const)));
  const model = await openChecked(where, checkpoint, MODEL_FILE, expectModel, 'parameter');
  try {
    const optimizer = await openChecked(where, checkpoint, OPTIMIZER_FILE, expectOptimizer, 'optimizer state');
    try {
      // Checked after the tensors, whose names and shapes say better what differs: a model of another size draws another stretch.
      if (state.dropout.streamPerStep !== parts.streamPerStep) mismatch('dropout.streamPerStep', state.dropout.streamPerStep, parts.streamPerStep);
      await writeAll(where, model, expectModel, step);
      await writeAll(where, optimizer, expectOptimizer, step);
    } finally {
      await optimizer.close();
    }
  } finally {
    await model.close();
  }
  step.restoreCounters({ microSteps: state.microSteps, updates: state.updates, skippedUpdates: state.skippedUpdates });
  return state;
}

/** Opens a checkpoint's safetensors file and checks its names and shapes against `expected`. */
async function openChecked(
  where: string,
  checkpoint: StoredCheckpoint,
  file: string,
  expected: ReadonlyMap<string, Tensor>,
  what: string,
): Promise<SafetensorsFile> {
  const input = await checkpoint.file(file);
  let opened: SafetensorsFile;
  try {
    opened = await SafetensorsFile.open(input, { name: `${checkpoint.location}/${file}` });
  } catch (error) {
    throw wrap(where, file, error);
  }
  try {
    const missing = [...expected.keys()].filter((name) => !opened.entries.has(name));
    const extra = [...opened.entries.keys()].filter((name) => !expected.has(name));
    if (missing.length || extra.length) {
      const list = (names: string[]) => (names.length ? names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length})` : '') : 'none');
      throw new CheckpointError(`${where}/${file}: its tensors do not match this step's ${what}s: missing ${list(missing)}; unexpected ${list(extra)}`);
    }
    for (const [name, tensor] of expected) {
      const entry = opened.entries.get(name)!;
      if (formatShape(entry.shape) !== formatShape(tensor.shape)) {
        throw new CheckpointError(
          `${where}/${file}: ${what} ${name} has shape ${formatShape(entry.shape)} in the checkpoint but ${formatShape(tensor.shape)} here`,
        );
      }
    }
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}

/** Reads each tensor of `file` (one at a time) into its tensor. */
async function writeAll(where: string, file: SafetensorsFile, targets: ReadonlyMap<string, Tensor>, step: TrainStep): Promise<void> {
  try {
    for await (const { name, data } of file.tensors()) step.backend.write(targets.get(name)!, data);
  } catch (error) {
    throw wrap(where, file.name, error);
  }
}

/** A read failure as a `CheckpointError` naming the file; a device loss stays one (the training loop recovers from it). */
function wrap(where: string, file: string, error: unknown): Error {
  if (error instanceof CheckpointError || error instanceof DeviceLostError) return error;
  return new CheckpointError(`${where}: ${file.split('/').at(-1)} is unreadable: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/** Reads and checks trainer_state.json (untrusted: every field's type and range). */
async function readTrainerState(where: string, checkpoint: StoredCheckpoint): Promise<TrainerState> {
  const file = `${where}/${TRAINER_STATE_FILE}`;
  let value: unknown;
  try {
    value = JSON.parse(await readText(await checkpoint.file(TRAINER_STATE_FILE), MAX_STATE_BYTES, { name: TRAINER_STATE_FILE }));
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`${file}: not readable JSON: ${(error as Error).message}`, { cause: error });
  }
  const bad = (field: string, want: string, got: unknown): never => {
    throw new CheckpointError(`${file}: ${field} must be ${want}, got ${describeNumber(got)}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad('the file', 'a JSON object', value);
  const s = value as Record<string, unknown>;
  if (s.format !== FORMAT) bad('format', JSON.stringify(FORMAT), s.format);
  if (s.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(`${file}: formatVersion ${describeNumber(s.formatVersion)} is not one this version reads (${CHECKPOINT_FORMAT_VERSION})`);
  }
  const count = (field: string, v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : bad(field, 'an integer ≥ 0', v));
  const microSteps = count('microSteps', s.microSteps);
  const updates = count('updates', s.updates);
  const skippedUpdates = count('skippedUpdates', s.skippedUpdates);
  const accumulationSteps = count('accumulationSteps', s.accumulationSteps);
  if (accumulationSteps < 1) bad('accumulationSteps', 'an integer ≥ 1', accumulationSteps);
  if (updates * accumulationSteps !== microSteps) {
    throw new CheckpointError(`${file}: microSteps ${microSteps} is not updates ${updates} × accumulationSteps ${accumulationSteps}`);
  }
  if (skippedUpdates > updates) bad('skippedUpdates', `at most updates (${updates})`, skippedUpdates);
  const optimizer = s.optimizer as Record<string, unknown> | null;
  if (optimizer === null || typeof optimizer !== 'object') bad('optimizer', 'an object { name, state }', optimizer);
  if (typeof optimizer!.name !== 'string') bad('optimizer.name', 'a string', optimizer!.name);
  if (!Array.isArray(optimizer!.state) || !optimizer!.state.every((n) => typeof n === 'string')) bad('optimizer.state', 'an array of names', optimizer!.state);
  const dropout = s.dropout as Record<string, unknown> | null;
  if (dropout === null || typeof dropout !== 'object') bad('dropout', 'an object { seed, streamPerStep, position }', dropout);
  const seed = count('dropout.seed', dropout!.seed);
  if (seed >= 2 ** 32) bad('dropout.seed', 'a u32', seed);
  const streamPerStep = count('dropout.streamPerStep', dropout!.streamPerStep);
  const position = count('dropout.position', dropout!.position);
  if (position !== microSteps * streamPerStep) bad('dropout.position', `microSteps × streamPerStep = ${microSteps * streamPerStep}`, position);
  if (!Array.isArray(s.losses) || !s.losses.every((l) => l === null || typeof l === 'number')) bad('losses', 'an array of numbers', s.losses);
  if (s.metadata === null || typeof s.metadata !== 'object' || Array.isArray(s.metadata)) bad('metadata', 'an object', s.metadata);
  if (typeof s.learningRate !== 'number') bad('learningRate', 'a number', s.learningRate);
  if (typeof s.libraryVersion !== 'string') bad('libraryVersion', 'a string', s.libraryVersion);
  return {
    format: FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    libraryVersion: s.libraryVersion as string,
    microSteps,
    updates,
    skippedUpdates,
    accumulationSteps,
    optimizer: { name: optimizer!.name as string, state: optimizer!.state as string[] },
    learningRate: s.learningRate as number,
    dropout: { seed, streamPerStep, position },
    data: s.data ?? null,
    losses: s.losses as (number | null)[],
    metadata: s.metadata as Record<string, unknown>,
  };
}

function checkStore(op: string, store: unknown): void {
  const s = store as Partial<CheckpointStore> | null;
  if (!s || typeof s.save !== 'function' || typeof s.load !== 'function' || typeof s.list !== 'function') {
    throw new ArgumentError(
      `${op}: store must be a CheckpointStore (memoryCheckpointStore, nodeCheckpointStore, opfsCheckpointStore), got ${describeValue(store)}`,
    );
  }
}

function checkTrainStep(op: string, step: unknown): void {
  if (!step || typeof (step as Partial<TrainStep>).checkpointParts !== 'function') {
    throw new ArgumentError(`${op}: step must be a TrainStep (createTrainStep), got ${describeValue(step)}`);
  }
}
