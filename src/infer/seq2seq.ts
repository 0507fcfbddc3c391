// Translating with a trained Transformer: greedy and beam search, batched, with incremental decoding.
// The encoder runs once per batch and the cross-attention keys and values are computed from its
// output once; each step then feeds only the newest token, whose self-attention keys and values are
// written into a cache of fixed size (a slot per position) that stays on the GPU. Because the cache
// does not grow, one step graph serves every position: on WebGPU it is recorded once per batch and
// replayed (see `StepLoop`). With `cache: false` every step recomputes the decoder over the whole
// prefix instead (the reference the cached path is tested against, and the baseline of the decode
// bench); its graphs are built once per (rows, source length, position) and kept.
import { ArgumentError, describeNumber, describeValue } from '../errors.js';
import type { Graph, Var } from '../graph/graph.js';
import type { ParameterStore } from '../graph/parameters.js';
import * as F from '../graph/ops.js';
import type { Transformer } from '../models/transformer.js';
import type { Tensor } from '../tensor/tensor.js';
import { SHAPE_STEP, SlotLoop, type SlotShape, type SlotValues, type StepGraph, StepGraphs, inBatches, roundUp, slotStepInputs } from './step-graphs.js';

/** Options of `Seq2SeqGenerator.generate`. */
export interface GenerateOptions {
  /** Beams per source (default 1: greedy decoding). */
  beamSize?: number;
  /** α of the GNMT length penalty ((5 + length) / 6)^α that beam scores are divided by (default 0.6, the paper's). */
  lengthPenalty?: number;
  /** Most tokens generated per source, `</s>` included (default: source length + 50, within the model's positions). */
  maxLength?: number;
  /** `</s>` is not chosen before this many tokens (default 0; the decode bench sets it to time a fixed length). */
  minLength?: number;
  /** Sources decoded together (default 16). */
  batchSize?: number;
  /** Incremental decoding on the KV cache (default true); false recomputes the whole prefix every step. */
  cache?: boolean;
}

/** Generate options checked, with their defaults. */
type CheckedOptions = Required<Omit<GenerateOptions, 'maxLength'>> & { maxLength: number | undefined };

/**
 * Generates target token ids from source token ids with a `Transformer` and its parameters: greedy
 * or beam search, batched, on the backend the parameters live on.
 */
export class Seq2SeqGenerator {
  readonly #steps: StepGraphs;

  constructor(
    readonly model: Transformer,
    readonly parameters: ParameterStore,
  ) {
    if (typeof model?.decodeStep !== 'function') throw new ArgumentError(`Seq2SeqGenerator: model must be a Transformer, got ${describeValue(model)}`);
    if (typeof parameters?.tensor !== 'function')
      throw new ArgumentError(`Seq2SeqGenerator: parameters must be a ParameterStore, got ${describeValue(parameters)}`);
    this.#steps = new StepGraphs(parameters);
  }

  /**
   * The target ids (without `<s>` and `</s>`) for each source. Each source is a list of token ids as
   * the encoder reads them; `</s>` is appended when it does not already end the source, as training batches have it.
   */
  async generate(sources: readonly (readonly number[])[], options: GenerateOptions = {}): Promise<number[][]> {
    const op = 'Seq2SeqGenerator.generate';
    this.#steps.checkLive(op);
    const checked = this.#checkOptions(op, options);
    const { sourceVocabSize, eosId, maxPositions } = this.model.config;
    if (!Array.isArray(sources)) throw new ArgumentError(`${op}: sources must be an array of token id arrays, got ${describeValue(sources)}`);
    const encoded = sources.map((source, i) => {
      if (!Array.isArray(source) || source.length === 0)
        throw new ArgumentError(`${op}: source ${i} must be a non-empty array of token ids, got ${describeValue(source)}`);
      source.forEach((id, j) => {
        if (!Number.isSafeInteger(id) || id < 0 || id >= sourceVocabSize)
          throw new ArgumentError(`${op}: source ${i} holds ${describeNumber(id)} at position ${j}, outside the source vocabulary [0, ${sourceVocabSize})`);
      });
      const withEos = source.at(-1) === eosId ? [...source] : [...source, eosId];
      if (withEos.length > maxPositions)
        throw new ArgumentError(
          `${op}: source ${i} is ${withEos.length} tokens with </s>, longer than the model's ${maxPositions} positions (config.maxPositions)`,
        );
      return withEos;
    });
    return inBatches(this.model, encoded, checked.batchSize, (batch) => this.#generateBatch(batch, checked));
  }

  /** Frees the step graphs' constants (the parameters stay). */
  dispose(): void {
    this.#steps.dispose();
  }

  #checkOptions(op: string, options: GenerateOptions): CheckedOptions {
    if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
    const { beamSize = 1, lengthPenalty = 0.6, batchSize = 16, cache = true, maxLength, minLength = 0 } = options;
    const vocab = this.model.config.targetVocabSize;
    if (!Number.isSafeInteger(beamSize) || beamSize < 1) throw new ArgumentError(`${op}: beamSize must be an integer ≥ 1, got ${describeNumber(beamSize)}`);
    if (beamSize > vocab) throw new ArgumentError(`${op}: beamSize ${beamSize} is larger than the target vocabulary (${vocab} tokens)`);
    if (!Number.isFinite(lengthPenalty)) throw new ArgumentError(`${op}: lengthPenalty must be a finite number, got ${describeNumber(lengthPenalty)}`);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new ArgumentError(`${op}: batchSize must be an integer ≥ 1, got ${describeNumber(batchSize)}`);
    if (maxLength !== undefined && (!Number.isSafeInteger(maxLength) || maxLength < 1 || maxLength >= this.model.config.maxPositions))
      throw new ArgumentError(
        `${op}: maxLength must be an integer in [1, ${this.model.config.maxPositions - 1}] (config.maxPositions − 1), got ${describeNumber(maxLength)}`,
      );
    if (!Number.isSafeInteger(minLength) || minLength < 0) throw new ArgumentError(`${op}: minLength must be an integer ≥ 0, got ${describeNumber(minLength)}`);
    if (typeof cache !== 'boolean') throw new ArgumentError(`${op}: cache must be a boolean, got ${describeValue(cache)}`);
    return { beamSize, lengthPenalty, batchSize, cache, maxLength, minLength };
  }

  /** Decodes one batch of sources (each ending in `</s>`). */
  async #generateBatch(sources: number[][], options: CheckedOptions): Promise<number[][]> {
    const { padId, maxPositions, targetVocabSize: vocab } = this.model.config;
    const beams = options.beamSize;
    const rows = sources.length * beams;
    const longest = Math.max(...sources.map((s) => s.length));
    const maxLength = Math.min(options.maxLength ?? longest + 50, maxPositions - 1);
    // Padded (and masked) to a multiple of 8, as the cache's slots are: a step graph and its constants
    // are kept per shape, so shapes from a few sizes bound what a long job keeps.
    const sourceLength = Math.min(roundUp(longest, SHAPE_STEP), maxPositions);
    const backend = this.parameters.backend;
    const ids = new Int32Array(rows * sourceLength).fill(padId);
    const mask = new Int32Array(rows * sourceLength);
    sources.forEach((source, b) => {
      for (let k = 0; k < beams; k++) {
        ids.set(source, (b * beams + k) * sourceLength);
        mask.fill(1, (b * beams + k) * sourceLength, (b * beams + k) * sourceLength + source.length);
      }
    });
    const { eosId } = this.model.config;
    const search = beams === 1 ? new GreedySearch(sources.length, eosId) : new BeamSearch(sources.length, beams, maxLength, options.lengthPenalty, eosId);
    const owned: Tensor[] = [];
    const track = <T extends Tensor | Tensor[]>(t: T): T => {
      owned.push(...(Array.isArray(t) ? t : [t]));
      return t;
    };
    try {
      const sourceIds = track(backend.tensor(ids, [rows, sourceLength], 'i32'));
      const sourceMask = track(backend.tensor(mask, [rows, sourceLength], 'i32'));
      const prepared = this.#prepare(rows, sourceLength, options.cache);
      const memory = track(this.#run(prepared, { source_ids: sourceIds, source_mask: sourceMask }));
      const next = options.cache
        ? this.#cachedSteps(rows, sourceLength, roundUp(maxLength, SHAPE_STEP), sourceMask, memory)
        : this.#recomputedSteps(rows, sourceLength, sourceMask, memory[0]!);
      try {
        for (let position = 0; position < maxLength && !search.done; position++) {
          const values = await next(position, search);
          // Before minLength, </s> cannot win.
          if (position < options.minLength) for (let r = 0; r < rows; r++) values[r * vocab + eosId] = Number.NEGATIVE_INFINITY;
          search.advance(values, vocab);
        }
      } finally {
        next.dispose();
      }
      return search.finish();
    } finally {
      for (const t of owned) t.dispose();
    }
  }

  /**
   * The cached steps of a batch: one graph over self-attention caches of `slots` fixed slots (a
   * position per slot), run by a `SlotLoop` (recorded once and replayed on WebGPU). Each step writes
   * the newest tokens, their position, the slot they fill and the slots they see.
   */
  #cachedSteps(rows: number, sourceLength: number, slots: number, sourceMask: Tensor, memory: readonly Tensor[]): Steps {
    const { numHeads, dModel, bosId, padId } = this.model.config;
    const shape: SlotShape = { rows, slots, layers: this.model.decoder.length, heads: numHeads, headDim: dModel / numHeads };
    const fixed: Record<string, Tensor> = { source_mask: sourceMask };
    memory.forEach((t, i) => {
      fixed[`memory_${i}`] = t;
    });
    const loop = new SlotLoop(this.#steps, this.#slotStep(sourceLength, shape), shape, fixed);
    const slotMask = new Int32Array(rows * slots);
    return Object.assign(
      async (position: number, search: Search) => {
        for (let r = 0; r < rows; r++) slotMask[r * slots + position] = 1;
        const values: SlotValues = {
          ids: search.lastTokens(bosId, padId),
          positions: new Int32Array(rows).fill(position),
          slotMask,
          reorder: search.reorder(),
        };
        return (await loop.run(position, values, true))!;
      },
      { dispose: () => loop.dispose() },
    );
  }

  /** The steps of a batch without a cache: each runs the decoder over the whole prefix. */
  #recomputedSteps(rows: number, sourceLength: number, sourceMask: Tensor, memory: Tensor): Steps {
    const { bosId, padId } = this.model.config;
    const backend = this.parameters.backend;
    return Object.assign(
      async (position: number, search: Search) => {
        const ids = backend.tensor(search.prefixes(bosId, padId, position + 1), [rows, position + 1], 'i32');
        let logits: Tensor;
        try {
          [logits] = this.#run(this.#recomputeStep(rows, sourceLength, position), { ids, source_mask: sourceMask, memory_0: memory }) as [Tensor];
        } finally {
          ids.dispose();
        }
        try {
          return (await logits.data()) as Float32Array;
        } finally {
          logits.dispose();
        }
      },
      { dispose: () => {} },
    );
  }

  /** Runs a step graph on named input tensors; every output is the caller's to dispose. */
  #run(step: StepGraph, inputs: Record<string, Tensor>): Tensor[] {
    return this.#steps.run(step, inputs);
  }

  /** The graph a batch starts with: the encoder, then (cached) the cross-attention keys and values of every layer, or (recompute) the memory. */
  #prepare(rows: number, sourceLength: number, cached: boolean): StepGraph {
    return this.#graph(`prepare:${rows}:${sourceLength}:${cached}`, (g) => {
      const sourceIds = g.input('source_ids', [rows, sourceLength], 'i32') as Var<'i32', 2>;
      const sourceMask = g.input('source_mask', [rows, sourceLength], 'i32') as Var<'i32', 2>;
      const memory = this.model.encode(sourceIds, sourceMask);
      return cached ? this.model.memoryCaches(memory).flatMap((c) => [c.key, c.value]) : [memory];
    });
  }

  /** One cached step over self-attention caches of `shape.slots` slots: outputs the logits, then every layer's caches with the newest position written in. */
  #slotStep(sourceLength: number, shape: SlotShape): StepGraph {
    const { rows, slots, heads, headDim } = shape;
    return this.#graph(`slots:${rows}:${sourceLength}:${slots}`, (g) => {
      const sourceMask = g.input('source_mask', [rows, sourceLength], 'i32') as Var<'i32', 2>;
      const memoryInput = (name: string) => g.input(name, [rows, heads, sourceLength, headDim], 'f32') as Var<'f32', 4>;
      const memory = Array.from({ length: shape.layers }, (_, i) => ({ key: memoryInput(`memory_${2 * i}`), value: memoryInput(`memory_${2 * i + 1}`) }));
      const x = slotStepInputs(g, shape);
      const step = this.model.decodeSlotStep(x.ids, x.positions, memory, x.past, x.slots, sourceMask);
      return [step.logits, ...step.caches.flatMap((c) => [c.key, c.value])];
    });
  }

  /** One step without a cache: the decoder over the whole prefix [rows, position + 1], logits of its last position. */
  #recomputeStep(rows: number, sourceLength: number, position: number): StepGraph {
    const { dModel } = this.model.config;
    return this.#graph(`recompute:${rows}:${sourceLength}:${position}`, (g) => {
      const ids = g.input('ids', [rows, position + 1], 'i32') as Var<'i32', 2>;
      const sourceMask = g.input('source_mask', [rows, sourceLength], 'i32') as Var<'i32', 2>;
      const memory = g.input('memory_0', [rows, sourceLength, dModel], 'f32') as Var<'f32', 3>;
      const hidden = this.model.decode(ids, memory, sourceMask);
      const last = F.reshape(F.slice(hidden, 1, position, 1), [rows, dModel]) as Var<'f32', 2>;
      return [this.model.project(last)];
    });
  }

  #graph(key: string, build: (g: Graph) => Var[]): StepGraph {
    return this.#steps.get(key, build);
  }
}

/** Builds a generator for `model` on `parameters`' backend (see `Seq2SeqGenerator`). */
export function createSeq2SeqGenerator(model: Transformer, parameters: ParameterStore): Seq2SeqGenerator {
  return new Seq2SeqGenerator(model, parameters);
}

/** The logits of each step of a batch, and what frees the step's resources. */
type Steps = ((position: number, search: Search) => Promise<Float32Array>) & { dispose(): void };

/** A decoding strategy over rows of logits: which tokens go in next, when to stop, the results. */
interface Search {
  readonly done: boolean;
  /** The token each row feeds next [rows]. */
  lastTokens(bosId: number, padId: number): Int32Array;
  /** Each row's whole prefix, `<s>` first, [rows, length]. */
  prefixes(bosId: number, padId: number, length: number): Int32Array;
  /** Which earlier row each row continues [rows]. */
  reorder(): Int32Array;
  /** Takes the logits [rows, V] of the step just run. */
  advance(logits: Float32Array, vocab: number): void;
  /** The best token list of each source. */
  finish(): number[][];
}

/** Greedy decoding: one row per source, the most probable token each step, stopping at `</s>`. */
class GreedySearch implements Search {
  readonly #tokens: number[][];
  readonly #finished: boolean[];

  constructor(
    sources: number,
    readonly eosId: number,
  ) {
    this.#tokens = Array.from({ length: sources }, () => []);
    this.#finished = new Array(sources).fill(false);
  }

  get done(): boolean {
    return this.#finished.every(Boolean);
  }

  lastTokens(bosId: number, padId: number): Int32Array {
    return Int32Array.from(this.#tokens, (t, b) => (this.#finished[b] ? padId : (t.at(-1) ?? bosId)));
  }

  prefixes(bosId: number, padId: number, length: number): Int32Array {
    return prefixRows(this.#tokens, bosId, padId, length);
  }

  reorder(): Int32Array {
    return Int32Array.from(this.#tokens, (_, i) => i);
  }

  advance(logits: Float32Array, vocab: number): void {
    this.#tokens.forEach((tokens, b) => {
      if (this.#finished[b]) return;
      let best = 0;
      for (let v = 1; v < vocab; v++) if (logits[b * vocab + v]! > logits[b * vocab + best]!) best = v;
      tokens.push(best);
      if (best === this.eosId) this.#finished[b] = true;
    });
  }

  finish(): number[][] {
    return this.#tokens.map((t) => (t.at(-1) === this.eosId ? t.slice(0, -1) : t));
  }
}

/** A finished hypothesis: its tokens (without `</s>`) and its length-normalised score. */
interface Hypothesis {
  tokens: number[];
  score: number;
}

/**
 * Beam search: `beams` rows per source, each a live hypothesis with its summed log-probability. Each step
 * keeps the best `beams` continuations among every row's tokens; one ending in `</s>` joins the finished
 * list with its score divided by the GNMT length penalty. A source is done once it has `beams` finished
 * hypotheses and no live one could beat the worst of them even at the longest length.
 */
class BeamSearch implements Search {
  readonly #tokens: number[][];
  readonly #scores: Float64Array;
  readonly #finished: Hypothesis[][];
  readonly #sourceDone: boolean[];
  #reorder: Int32Array;

  constructor(
    readonly sources: number,
    readonly beams: number,
    readonly maxLength: number,
    readonly alpha: number,
    readonly eosId: number,
  ) {
    const rows = sources * beams;
    this.#tokens = Array.from({ length: rows }, () => []);
    // Only the first beam of each source is live at the start, so the first step does not pick one token `beams` times.
    this.#scores = Float64Array.from({ length: rows }, (_, r) => (r % beams === 0 ? 0 : Number.NEGATIVE_INFINITY));
    this.#finished = Array.from({ length: sources }, () => []);
    this.#sourceDone = new Array(sources).fill(false);
    this.#reorder = Int32Array.from({ length: rows }, (_, r) => r);
  }

  get done(): boolean {
    return this.#sourceDone.every(Boolean);
  }

  #penalty(length: number): number {
    return ((5 + length) / 6) ** this.alpha;
  }

  lastTokens(bosId: number, padId: number): Int32Array {
    return Int32Array.from(this.#tokens, (t, r) => (this.#sourceDone[Math.floor(r / this.beams)] ? padId : (t.at(-1) ?? bosId)));
  }

  prefixes(bosId: number, padId: number, length: number): Int32Array {
    return prefixRows(this.#tokens, bosId, padId, length);
  }

  reorder(): Int32Array {
    return this.#reorder;
  }

  advance(logits: Float32Array, vocab: number): void {
    const { beams } = this;
    const nextTokens: number[][] = [];
    const nextScores = new Float64Array(this.#scores.length).fill(Number.NEGATIVE_INFINITY);
    const reorder = Int32Array.from({ length: this.#scores.length }, (_, r) => r);
    const logProbs = logSoftmaxRows(logits, vocab);
    for (let b = 0; b < this.sources; b++) {
      const base = b * beams;
      if (this.#sourceDone[b]) {
        for (let k = 0; k < beams; k++) nextTokens[base + k] = this.#tokens[base + k]!;
        continue;
      }
      const candidates = topCandidates(logProbs, vocab, this.#scores, base, beams, 2 * beams);
      let live = 0;
      candidates.forEach((c, rank) => {
        if (live === beams) return;
        const prefix = this.#tokens[base + c.beam]!;
        if (c.token === this.eosId) {
          // An end among the best `beams` candidates finishes a hypothesis; a lower-ranked one is dropped.
          if (rank < beams) this.#finished[b]!.push({ tokens: prefix, score: c.score / this.#penalty(prefix.length + 1) });
          return;
        }
        nextTokens[base + live] = [...prefix, c.token];
        nextScores[base + live] = c.score;
        reorder[base + live] = base + c.beam;
        live++;
      });
      for (let k = live; k < beams; k++) nextTokens[base + k] = [...this.#tokens[base]!, this.eosId];
      const finished = this.#finished[b]!.sort((x, y) => y.score - x.score);
      if (finished.length >= beams) {
        finished.length = beams;
        // Log-probabilities only fall as a hypothesis grows, and the penalty grows at most to its value at maxLength.
        const bestPossible = nextScores[base]! / this.#penalty(this.maxLength);
        if (bestPossible <= finished[beams - 1]!.score) this.#sourceDone[b] = true;
      }
    }
    nextTokens.forEach((t, r) => {
      this.#tokens[r] = t;
    });
    this.#scores.set(nextScores);
    this.#reorder = reorder;
  }

  finish(): number[][] {
    return this.#finished.map((finished, b) => {
      const all = [...finished];
      // Sources still live at maxLength: their live beams compete as they are.
      if (!this.#sourceDone[b]) {
        for (let k = 0; k < this.beams; k++) {
          const score = this.#scores[b * this.beams + k]!;
          if (score > Number.NEGATIVE_INFINITY)
            all.push({ tokens: this.#tokens[b * this.beams + k]!, score: score / this.#penalty(this.#tokens[b * this.beams + k]!.length) });
        }
      }
      all.sort((x, y) => y.score - x.score);
      return all[0]?.tokens ?? [];
    });
  }
}

/** Rows `<s>` + tokens, cut or padded to `length`. */
function prefixRows(tokens: readonly (readonly number[])[], bosId: number, padId: number, length: number): Int32Array {
  const out = new Int32Array(tokens.length * length).fill(padId);
  tokens.forEach((t, r) => {
    out[r * length] = bosId;
    for (let i = 1; i < length && i - 1 < t.length; i++) out[r * length + i] = t[i - 1]!;
  });
  return out;
}

/** log softmax of each row of [rows, vocab], in float64. */
function logSoftmaxRows(logits: Float32Array, vocab: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r * vocab < logits.length; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[r * vocab + v]!);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[r * vocab + v]! - max);
    const lse = max + Math.log(sum);
    for (let v = 0; v < vocab; v++) out[r * vocab + v] = logits[r * vocab + v]! - lse;
  }
  return out;
}

/** The `count` best (beam, token) continuations of one source's rows, best first; ties go to the lower beam, then the lower token. */
function topCandidates(logProbs: Float64Array, vocab: number, scores: Float64Array, base: number, beams: number, count: number) {
  const top: { beam: number; token: number; score: number }[] = [];
  for (let k = 0; k < beams; k++) {
    const prior = scores[base + k]!;
    if (prior === Number.NEGATIVE_INFINITY) continue;
    for (let v = 0; v < vocab; v++) {
      const score = prior + logProbs[(base + k) * vocab + v]!;
      if (top.length === count && score <= top[count - 1]!.score) continue;
      let at = top.length;
      while (at > 0 && top[at - 1]!.score < score) at--;
      top.splice(at, 0, { beam: k, token: v, score });
      if (top.length > count) top.pop();
    }
  }
  return top;
}
