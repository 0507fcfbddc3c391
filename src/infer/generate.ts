// Text generation with a causal LM (GPT2LMHeadModel): greedy or sampled continuations of batched
// prompts. Prompts of different lengths are left-padded into one batch: an attention mask keeps every
// real token off the padding, and each row's position ids count from its own first real token, so a
// row's tokens do not depend on what it is batched with (Hugging Face's generate does the same). The
// cache holds a fixed slot per sequence position and stays on the GPU; each step feeds one token,
// whose keys and values go into its slot, so one step graph serves every position: on WebGPU it is
// recorded once per batch and replayed (see `StepLoop`). The prompt goes through the same step, one
// token at a time. With `cache: false` every step recomputes the whole sequence instead (the
// reference the cached path is tested against). Sampling runs on the CPU over the logits read back each step, with a seeded
// Xoshiro128 per prompt: the same seed, prompts and logits give the same tokens, whatever the batch size.
import { Xoshiro128 } from '../data/rng.js';
import { ArgumentError, describeNumber, describeValue } from '../errors.js';
import type { Var } from '../graph/graph.js';
import type { ParameterStore } from '../graph/parameters.js';
import * as F from '../graph/ops.js';
import type { GPT2LMHeadModel } from '../models/gpt2.js';
import type { Tensor } from '../tensor/tensor.js';
import { SHAPE_STEP, SlotLoop, type SlotShape, type StepGraph, StepGraphs, inBatches, roundUp, slotStepInputs } from './step-graphs.js';

/** Options of `TextGenerator.generate`. */
export interface TextGenerateOptions {
  /** Most tokens generated per prompt (default 20); prompt + maxNewTokens must fit in n_positions. */
  maxNewTokens?: number;
  /** Divides the logits before sampling (default 1); 0 is greedy decoding (the most probable token; topK and topP unused). */
  temperature?: number;
  /** Sample among the k most probable tokens only, ties with the k-th kept (default 0: all). */
  topK?: number;
  /** Nucleus sampling: among the most probable tokens whose mass reaches p (default 1: all), after topK. */
  topP?: number;
  /** Seed of the sampling (a u32, default 0): the same seed gives the same tokens. */
  seed?: number;
  /** Incremental decoding on the KV cache (default true); false recomputes the whole sequence every step. */
  cache?: boolean;
  /** Generation of a prompt stops after this token (default: config.eos_token_id); null never stops early. */
  eosTokenId?: number | null;
  /** Prompts decoded together (default 16). */
  batchSize?: number;
}

/** Generate options checked, with their defaults. */
type CheckedOptions = Required<Omit<TextGenerateOptions, 'eosTokenId'>> & { eosTokenId: number | null };

/** The logits after the newest token of every row (each call feeds what was appended since the last), and what frees the steps' resources. */
type Steps = (() => Promise<Float32Array>) & { dispose(): void };

/** What the step graphs feed per batch: the padded prompt and what grows with every token. */
interface BatchState {
  rows: number;
  /** Every row's sequence so far, left-padded with 0 to the longest prompt. */
  ids: number[][];
  /** 1 where `ids` holds a real token. */
  mask: number[][];
}

/**
 * Continues token-id prompts with a `GPT2LMHeadModel` and its parameters, on the backend the parameters live on.
 * Step graphs are built once per (rows, length) and kept until `dispose`.
 */
export class TextGenerator {
  readonly #steps: StepGraphs;

  constructor(
    readonly model: GPT2LMHeadModel,
    readonly parameters: ParameterStore,
  ) {
    if (typeof model?.decodeStep !== 'function' || typeof model?.transformer?.forwardWithCaches !== 'function')
      throw new ArgumentError(`TextGenerator: model must be a GPT2LMHeadModel, got ${describeValue(model)}`);
    if (typeof parameters?.tensor !== 'function')
      throw new ArgumentError(`TextGenerator: parameters must be a ParameterStore, got ${describeValue(parameters)}`);
    this.#steps = new StepGraphs(parameters);
  }

  /**
   * The new tokens of each prompt (the prompt itself left out), at most `maxNewTokens`; a continuation
   * that reached the end token ends with it. Each prompt is a non-empty list of token ids.
   */
  async generate(prompts: readonly (readonly number[])[], options: TextGenerateOptions = {}): Promise<number[][]> {
    const op = 'TextGenerator.generate';
    this.#steps.checkLive(op);
    const checked = this.#checkOptions(op, options);
    const { vocab_size: vocab, n_positions: maxPositions } = this.model.config;
    if (!Array.isArray(prompts)) throw new ArgumentError(`${op}: prompts must be an array of token id arrays, got ${describeValue(prompts)}`);
    prompts.forEach((prompt, i) => {
      if (!Array.isArray(prompt) || prompt.length === 0)
        throw new ArgumentError(`${op}: prompt ${i} must be a non-empty array of token ids (start it with bos_token_id), got ${describeValue(prompt)}`);
      prompt.forEach((id, j) => {
        if (!Number.isSafeInteger(id) || id < 0 || id >= vocab)
          throw new ArgumentError(`${op}: prompt ${i} holds ${describeNumber(id)} at position ${j}, outside the vocabulary [0, ${vocab})`);
      });
      if (prompt.length + checked.maxNewTokens > maxPositions) {
        const why = prompt.length > maxPositions ? 'longer than' : `with maxNewTokens ${checked.maxNewTokens} beyond`;
        throw new ArgumentError(`${op}: prompt ${i} is ${prompt.length} tokens, ${why} the model's ${maxPositions} positions (config.n_positions)`);
      }
    });
    return inBatches(this.model, prompts, checked.batchSize, (batch, first) => this.#generateBatch(batch, first, checked));
  }

  /** Frees the step graphs' constants (the parameters stay). */
  dispose(): void {
    this.#steps.dispose();
  }

  #checkOptions(op: string, options: TextGenerateOptions): CheckedOptions {
    if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
    const { maxNewTokens = 20, temperature = 1, topK = 0, topP = 1, seed = 0, cache = true, batchSize = 16 } = options;
    const eosTokenId = options.eosTokenId === undefined ? this.model.config.eos_token_id : options.eosTokenId;
    const vocab = this.model.config.vocab_size;
    if (!Number.isSafeInteger(maxNewTokens) || maxNewTokens < 1)
      throw new ArgumentError(`${op}: maxNewTokens must be an integer ≥ 1, got ${describeNumber(maxNewTokens)}`);
    if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0)
      throw new ArgumentError(`${op}: temperature must be a finite number ≥ 0 (0: greedy), got ${describeNumber(temperature)}`);
    if (!Number.isSafeInteger(topK) || topK < 0) throw new ArgumentError(`${op}: topK must be an integer ≥ 0 (0: off), got ${describeNumber(topK)}`);
    if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) throw new ArgumentError(`${op}: topP must be in (0, 1] (1: off), got ${describeNumber(topP)}`);
    if (!Number.isSafeInteger(seed) || seed < 0 || seed >= 2 ** 32)
      throw new ArgumentError(`${op}: seed must be an integer in [0, 2^32), got ${describeNumber(seed)}`);
    if (typeof cache !== 'boolean') throw new ArgumentError(`${op}: cache must be a boolean, got ${describeValue(cache)}`);
    if (eosTokenId !== null && !Number.isSafeInteger(eosTokenId))
      throw new ArgumentError(`${op}: eosTokenId must be a token id or null, got ${describeValue(options.eosTokenId)}`);
    if (options.eosTokenId != null && (options.eosTokenId < 0 || options.eosTokenId >= vocab))
      throw new ArgumentError(`${op}: eosTokenId ${options.eosTokenId} is outside the vocabulary [0, ${vocab})`);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new ArgumentError(`${op}: batchSize must be an integer ≥ 1, got ${describeNumber(batchSize)}`);
    return { maxNewTokens, temperature, topK, topP, seed, cache, eosTokenId, batchSize };
  }

  /** Generates for one batch of prompts; `first` is the index of its first prompt (which picks each prompt's random stream). */
  async #generateBatch(prompts: readonly (readonly number[])[], first: number, options: CheckedOptions): Promise<number[][]> {
    const { vocab_size: vocab } = this.model.config;
    const rows = prompts.length;
    const longest = Math.max(...prompts.map((p) => p.length));
    const state: BatchState = {
      rows,
      ids: prompts.map((p) => [...new Array<number>(longest - p.length).fill(0), ...p]),
      mask: prompts.map((p) => [...new Array<number>(longest - p.length).fill(0), ...new Array<number>(p.length).fill(1)]),
    };
    // One stream per prompt, so a prompt's tokens do not depend on its batch.
    const rngs = prompts.map((_, i) => new Xoshiro128((options.seed + Math.imul(first + i, 0x9e3779b9)) >>> 0));
    const generated: number[][] = prompts.map(() => []);
    const finished = new Array<boolean>(rows).fill(false);
    // Slots for every token fed (the last one generated is not), rounded up but never past the positions.
    const slots = Math.min(roundUp(longest + options.maxNewTokens - 1, SHAPE_STEP), this.model.config.n_positions);
    const next = options.cache ? this.#cachedSteps(state, slots) : this.#recomputedSteps(state);
    try {
      for (let step = 0; step < options.maxNewTokens && !finished.every(Boolean); step++) {
        const values = await next();
        for (let r = 0; r < rows; r++) {
          // A finished row keeps its place in the batch, fed its last token again; what it gives is dropped.
          const token = finished[r] ? state.ids[r]!.at(-1)! : sampleToken(values.subarray(r * vocab, (r + 1) * vocab), options, rngs[r]!);
          if (!finished[r]) {
            generated[r]!.push(token);
            finished[r] = token === options.eosTokenId;
          }
          state.ids[r]!.push(token);
          state.mask[r]!.push(1);
        }
      }
    } finally {
      next.dispose();
    }
    return generated;
  }

  /**
   * Cached steps over caches of `slots` fixed slots (one per sequence position), run by a `SlotLoop`
   * (recorded once per batch and replayed on WebGPU): each call feeds the tokens not fed yet one at a
   * time, the prompt included, and returns the logits after the newest.
   */
  #cachedSteps(state: BatchState, slots: number): Steps {
    const { n_head: heads, n_embd: d } = this.model.config;
    const { rows } = state;
    const shape: SlotShape = { rows, slots, layers: this.model.transformer.h.length, heads, headDim: d / heads };
    const loop = new SlotLoop(this.#steps, this.#slotStep(shape), shape, {});
    const padding = state.mask.map((m) => m.indexOf(1));
    const slotMask = new Int32Array(rows * slots);
    let fed = 0;
    const step = async () => {
      const length = state.ids[0]!.length;
      let logits: Float32Array | undefined;
      for (; fed < length; fed++) {
        const slot = fed;
        // A slot holding padding is seen by no later token, but by itself, so that its own row stays finite.
        for (let r = 0; r < rows; r++) {
          if (slot > 0) slotMask[r * slots + slot - 1] = state.mask[r]![slot - 1]!;
          slotMask[r * slots + slot] = 1;
        }
        const values = {
          ids: Int32Array.from(state.ids, (ids) => ids[slot]!),
          positions: Int32Array.from(padding, (p) => Math.max(0, slot - p)),
          slotMask,
        };
        logits = await loop.run(slot, values, fed === length - 1);
      }
      return logits!;
    };
    return Object.assign(step, { dispose: () => loop.dispose() });
  }

  /** Steps without a cache: each runs the model over the whole sequence so far. */
  #recomputedSteps(state: BatchState): Steps {
    const backend = this.parameters.backend;
    const { rows } = state;
    const step = async () => {
      const length = state.ids[0]!.length;
      const inputs: Record<string, Tensor> = {
        ids: backend.tensor(Int32Array.from(state.ids.flat()), [rows, length], 'i32'),
        mask: backend.tensor(Int32Array.from(state.mask.flat()), [rows, length], 'i32'),
        positions: backend.tensor(positionRows(state, length), [rows, length], 'i32'),
      };
      let logits: Tensor;
      try {
        [logits] = this.#steps.run(this.#wholeSequence(rows, length), inputs) as [Tensor];
      } finally {
        for (const t of Object.values(inputs)) t.dispose();
      }
      try {
        return (await logits.data()) as Float32Array;
      } finally {
        logits.dispose();
      }
    };
    return Object.assign(step, { dispose: () => {} });
  }

  /** The model over a whole left-padded sequence [rows, length]: the logits of its last position. */
  #wholeSequence(rows: number, length: number): StepGraph {
    const { n_embd: d } = this.model.config;
    return this.#steps.get(`whole:${rows}:${length}`, (g) => {
      const out = this.model.transformer.forwardWithCaches({
        input_ids: g.input('ids', [rows, length], 'i32') as Var<'i32', 2>,
        attention_mask: g.input('mask', [rows, length], 'i32') as Var<'i32', 2>,
        position_ids: g.input('positions', [rows, length], 'i32') as Var<'i32', 2>,
      });
      // Left padding puts every row's newest token last.
      const last = F.reshape(F.slice(out.lastHiddenState, 1, length - 1, 1), [rows, d]) as Var<'f32', 2>;
      return [this.model.project(last)];
    });
  }

  /** One cached step over caches of `shape.slots` slots: the newest token's logits, then every block's caches with it written in. */
  #slotStep(shape: SlotShape): StepGraph {
    return this.#steps.get(`slots:${shape.rows}:${shape.slots}`, (g) => {
      const x = slotStepInputs(g, shape);
      const step = this.model.decodeSlotStep(x.ids, x.positions, x.past, x.slots);
      return [step.logits, ...step.caches.flatMap((c) => [c.key, c.value])];
    });
  }
}

/** Builds a text generator for `model` on `parameters`' backend (see `TextGenerator`). */
export function createTextGenerator(model: GPT2LMHeadModel, parameters: ParameterStore): TextGenerator {
  return new TextGenerator(model, parameters);
}

/** The position ids of the last `fed` slots of each row [rows, fed]: a real token's index among its row's real tokens; 0 on padding. */
function positionRows(state: BatchState, fed: number): Int32Array {
  const out = new Int32Array(state.rows * fed);
  state.mask.forEach((mask, r) => {
    const padding = mask.indexOf(1);
    for (let j = 0; j < fed; j++) out[r * fed + j] = Math.max(0, mask.length - fed + j - padding);
  });
  return out;
}

/**
 * The next token from one row of logits: the argmax at temperature 0 (the first on ties); otherwise the
 * logits divided by the temperature, cut to the top k (ties with the k-th kept) and then to the nucleus
 * (the most probable tokens until their mass reaches top p), as Hugging Face's warpers do in that order,
 * and one token drawn from what is left.
 */
export function sampleToken(logits: Float32Array, options: { temperature: number; topK: number; topP: number }, rng: Xoshiro128): number {
  const vocab = logits.length;
  if (options.temperature === 0) {
    let best = 0;
    for (let v = 1; v < vocab; v++) if (logits[v]! > logits[best]!) best = v;
    return best;
  }
  const order = Uint32Array.from({ length: vocab }, (_, v) => v).sort((a, b) => logits[b]! - logits[a]! || a - b);
  let keep = vocab;
  if (options.topK > 0 && options.topK < vocab) {
    keep = options.topK;
    while (keep < vocab && logits[order[keep]!] === logits[order[keep - 1]!]) keep++;
  }
  const max = logits[order[0]!]!;
  const weights = new Float64Array(keep);
  let total = 0;
  for (let i = 0; i < keep; i++) total += weights[i] = Math.exp((logits[order[i]!]! - max) / options.temperature);
  if (options.topP < 1) {
    // A token stays when the mass of the tokens before it is below top p: the first always stays.
    let mass = 0;
    let n = 0;
    while (n < keep && mass < options.topP * total) mass += weights[n++]!;
    keep = n;
    total = mass;
  }
  let u = rng.nextFloat() * total;
  for (let i = 0; i < keep; i++) {
    u -= weights[i]!;
    if (u < 0) return order[i]!;
  }
  return order[keep - 1]!;
}
