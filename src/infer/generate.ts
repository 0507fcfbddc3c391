// Text generation with a causal LM (GPT2LMHeadModel): greedy or sampled continuations of batched
// prompts. Prompts of different lengths are left-padded into one batch: an attention mask keeps every
// real token off the padding, and each row's position ids count from its own first real token, so a
// row's tokens do not depend on what it is batched with (Hugging Face's generate does the same). The
// prompt runs once, returning every block's keys and values; each step then feeds only the newest
// token, whose keys and values are appended to that cache, which stays on the GPU between steps.
// With `cache: false` every step recomputes the whole sequence instead (the reference the cached path
// is tested against). Sampling runs on the CPU over the logits read back each step, with a seeded
// Xoshiro128 per prompt: the same seed, prompts and logits give the same tokens, whatever the batch size.
import { Xoshiro128 } from '../data/rng.js';
import { ArgumentError, describeNumber, describeValue } from '../errors.js';
import type { Var } from '../graph/graph.js';
import type { ParameterStore } from '../graph/parameters.js';
import * as F from '../graph/ops.js';
import type { GPT2LMHeadModel } from '../models/gpt2.js';
import type { AttentionCache } from '../nn/layers.js';
import type { Tensor } from '../tensor/tensor.js';
import { type StepGraph, StepGraphs, inBatches } from './step-graphs.js';

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
    const backend = this.parameters.backend;
    let past: Tensor[] | undefined;
    try {
      for (let step = 0; step < options.maxNewTokens && !finished.every(Boolean); step++) {
        const length = state.ids[0]!.length;
        const incremental = options.cache && past !== undefined;
        // An incremental step feeds the newest token only; the first step and every recomputed one feed the whole sequence.
        const fed = incremental ? 1 : length;
        const inputs: Record<string, Tensor> = {
          ids: backend.tensor(Int32Array.from(state.ids.flatMap((r) => r.slice(length - fed))), [rows, fed], 'i32'),
          mask: backend.tensor(Int32Array.from(state.mask.flat()), [rows, length], 'i32'),
          positions: backend.tensor(positionRows(state, fed), [rows, fed], 'i32'),
        };
        const made = Object.values(inputs);
        past?.forEach((t, i) => {
          inputs[`past_${i}`] = t;
        });
        const graph = incremental ? this.#cachedStep(rows, length - 1) : this.#wholeSequence(rows, length, options.cache);
        let outputs: Tensor[];
        try {
          outputs = this.#steps.run(graph, inputs);
        } finally {
          for (const t of made) t.dispose();
        }
        const [logits, ...caches] = outputs;
        for (const t of past ?? []) t.dispose();
        past = options.cache ? caches : undefined;
        let values: Float32Array;
        try {
          values = (await logits!.data()) as Float32Array;
        } finally {
          logits!.dispose();
        }
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
      for (const t of past ?? []) t.dispose();
    }
    return generated;
  }

  /** The model over a whole left-padded sequence [rows, length]: the logits of its last position, then (with `caches`) every block's keys and values. */
  #wholeSequence(rows: number, length: number, caches: boolean): StepGraph {
    const { n_embd: d } = this.model.config;
    return this.#steps.get(`whole:${rows}:${length}:${caches}`, (g) => {
      const out = this.model.transformer.forwardWithCaches({
        input_ids: g.input('ids', [rows, length], 'i32') as Var<'i32', 2>,
        attention_mask: g.input('mask', [rows, length], 'i32') as Var<'i32', 2>,
        position_ids: g.input('positions', [rows, length], 'i32') as Var<'i32', 2>,
      });
      // Left padding puts every row's newest token last.
      const last = F.reshape(F.slice(out.lastHiddenState, 1, length - 1, 1), [rows, d]) as Var<'f32', 2>;
      return [this.model.project(last), ...(caches ? flatCaches(out.caches) : [])];
    });
  }

  /** One incremental step after `cached` positions: the newest token's logits, then every block's grown keys and values. */
  #cachedStep(rows: number, cached: number): StepGraph {
    const { n_head: heads, n_embd: d } = this.model.config;
    return this.#steps.get(`step:${rows}:${cached}`, (g) => {
      const kv = (name: string) => g.input(name, [rows, heads, cached, d / heads], 'f32') as Var<'f32', 4>;
      const past: AttentionCache[] = this.model.transformer.h.map((_, i) => ({ key: kv(`past_${2 * i}`), value: kv(`past_${2 * i + 1}`) }));
      const step = this.model.decodeStep(g.input('ids', [rows, 1], 'i32') as Var<'i32', 2>, cached, past, {
        attention_mask: g.input('mask', [rows, cached + 1], 'i32') as Var<'i32', 2>,
        position_ids: g.input('positions', [rows, 1], 'i32') as Var<'i32', 2>,
      });
      return [step.logits, ...flatCaches(step.caches)];
    });
  }
}

/** Builds a text generator for `model` on `parameters`' backend (see `TextGenerator`). */
export function createTextGenerator(model: GPT2LMHeadModel, parameters: ParameterStore): TextGenerator {
  return new TextGenerator(model, parameters);
}

/** Keys and values of every block, in order: key 0, value 0, key 1, … */
function flatCaches(caches: readonly AttentionCache[]): Var[] {
  return caches.flatMap((c) => [c.key, c.value]);
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
