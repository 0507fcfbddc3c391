// The backend contract: what every backend (CPU reference loops, WebGPU kernels, the graph's meta
// backend) implements, and the checked arguments it receives. Private to the library: users call
// the checked functions in src/ops (`matmul`, `layerNorm`, …), which validate their arguments and
// then call `opsOf(x).<op>` here. Result types that the public functions return are defined here
// and re-exported by src/ops.
import type { Backend, Tensor } from '../tensor/tensor.js';
import type { ActivationName } from '../reference/activation.js';
import type { StepSource } from './step-values.js';

// ---- elementwise

/**
 * Elementwise ops. `add` and `mul` broadcast both sides by NumPy's rules to `shape`, the checked
 * result shape (at most 6 dims unless b's shape is a suffix of a's). In `addScaled` `b` has `a`'s
 * shape or a suffix of it and is repeated over `a`'s leading dims; the result has `a`'s shape.
 */
export interface ElementwiseOps {
  /** out = a + b, elementwise, both broadcast to `shape`. */
  add(a: Tensor, b: Tensor, shape: readonly number[]): Tensor;
  /** out = a · b, elementwise, both broadcast to `shape`. */
  mul(a: Tensor, b: Tensor, shape: readonly number[]): Tensor;
  /** out = s · x (f32, f16). */
  scale(x: Tensor, s: number): Tensor;
  /** out = a + s · b, b broadcast (f32, f16). */
  addScaled(a: Tensor, b: Tensor, s: number): Tensor;
  /** into ← into + s · x in place (f32, same shape, different tensors). */
  accumulate(into: Tensor, x: Tensor, s: number): void;
  /** x ← 0 in place (any dtype). */
  zero(x: Tensor): void;
}

// ---- GEMM

/** Activations the GEMM epilogue can fuse (the same functions as `gelu`, `relu`). */
export type GemmActivation = ActivationName;

/** GEMM kernel variants of the WebGPU backend (the CPU backend ignores the choice). */
export const GEMM_VARIANTS = ['naive', 'blocked-8x8', 'blocked-16x16', 'blocked-16x32', 'blocked-32x32', 'tiled-64x64'] as const;
/** A GEMM kernel variant of the WebGPU backend. */
export type GemmVariant = (typeof GEMM_VARIANTS)[number];

/** A checked matmul, as backends receive it. */
export interface MatmulSpec {
  m: number;
  n: number;
  k: number;
  /** Leading (batch) dims of the result; [] for a plain matrix product. */
  batchShape: readonly number[];
  batches: number;
  transA: boolean;
  transB: boolean;
  /** Elements between consecutive batch matrices of A / B; 0 when the operand is one matrix broadcast over the batch. */
  strideA: number;
  strideB: number;
  bias: Tensor | undefined;
  activation: GemmActivation;
  variant: GemmVariant | undefined;
  splitK: number | undefined;
}

/** Matrix products. */
export interface GemmOps {
  /** C = op(A) · op(B) (+ bias, activation), batched as `spec` says. */
  matmul(a: Tensor, b: Tensor, spec: MatmulSpec): Tensor;
}

// ---- normalisation

/** What `layerNorm` returns: the output and the per-row statistics the backward needs. */
export interface LayerNormResult {
  /** (x − mean)·rstd·γ + β, shape of x. */
  y: Tensor;
  /** Row means, shape x.shape without its last dimension. */
  mean: Tensor;
  /** Row 1/√(var + eps), shape x.shape without its last dimension. */
  rstd: Tensor;
}

/** The gradients of `layerNorm`. */
export interface LayerNormGrads {
  /** ∂L/∂x, shape of x. */
  dx: Tensor;
  /** ∂L/∂γ = Σ_rows dy·x̂, shape [D]. */
  dgamma: Tensor;
  /** ∂L/∂β = Σ_rows dy, shape [D]. */
  dbeta: Tensor;
}

/** LayerNorm forward (saving mean and rstd) and backward (dx, dγ, dβ). */
export interface NormOps {
  /** y = (x − mean)·rstd·γ + β over the last dimension; also returns mean and rstd. */
  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): LayerNormResult;
  /** dx, dγ, dβ of layerNorm from the saved mean and rstd. */
  layerNormBackward(dy: Tensor, x: Tensor, gamma: Tensor, mean: Tensor, rstd: Tensor): LayerNormGrads;
}

// ---- softmax

/** Softmax over the last dimension with an optional additive mask, forward and backward. */
export interface SoftmaxOps {
  /** y = softmax(x + mask) over the last dimension; `mask` is a suffix of x's shape or null. */
  softmax(x: Tensor, mask: Tensor | null): Tensor;
  /** dx = y ⊙ (dy − Σ_j dy_j·y_j) per row. */
  softmaxBackward(dy: Tensor, y: Tensor): Tensor;
}

// ---- loss

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** Rows whose label equals this are left out of the loss and its mean (default -100, as PyTorch). */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target is (1 − ε)·onehot(label) + ε/C (default 0). */
  labelSmoothing?: number;
}

/** Options of `crossEntropyBackward`: the forward's, plus the incoming gradient of the loss. */
export interface CrossEntropyBackwardOptions extends CrossEntropyOptions {
  /** dLoss, the gradient flowing into the scalar loss (default 1). */
  scale?: number;
}

/** What `crossEntropy` returns: the mean loss, and each row's log-sum-exp for the backward. */
export interface CrossEntropyResult {
  /** f32 scalar (shape []). */
  loss: Tensor;
  /** f32 [N]: log Σ_c exp(logits[i, c]). */
  logSumExp: Tensor;
}

/** Cross-entropy from logits (fused log-softmax + NLL), forward and backward. */
export interface LossOps {
  /** loss = mean over non-ignored rows of (1 − ε)(lse_i − x[i, y_i]) + ε(lse_i − mean_c x[i, c]); also lse [N]. */
  crossEntropy(logits: Tensor, labels: Tensor, options: Required<CrossEntropyOptions>): CrossEntropyResult;
  /** dlogits = (softmax − target) · scale / #(non-ignored rows); zero rows where ignored. */
  crossEntropyBackward(logits: Tensor, labels: Tensor, logSumExp: Tensor, options: Required<CrossEntropyBackwardOptions>): Tensor;
}

// ---- embedding

/** Embedding gather forward and deterministic scatter-add backward. */
export interface EmbeddingOps {
  /** out[..., d] = table[ids[...], d]; zero rows for ids outside [0, V). */
  embedding(table: Tensor, ids: Tensor): Tensor;
  /** dTable[v, d] = Σ_{p: ids[p] = v} dOut[p, d], summed in order of p. */
  embeddingBackward(dOut: Tensor, ids: Tensor, vocabSize: number): Tensor;
}

// ---- activations

/** The activation of a GEMM epilogue y = act(x·W + b): exact GELU, tanh GELU, ReLU, or none. */
export type ActivationKind = ActivationName;

/** GELU's form: `'none'` is the exact x·Φ(x) (BERT), `'tanh'` the tanh approximation (GPT-2). */
export type GeluApproximation = 'none' | 'tanh';

/** What `biasActivationBackward` returns. */
export interface BiasActivationGradients {
  /** dL/dz = dy · act'(z), z's shape. */
  dz: Tensor;
  /** dL/db = Σ over all leading rows of dz, [N]. */
  dbias: Tensor;
}

/** GELU (erf and tanh forms) and ReLU, forward and backward; the bias+activation epilogue backward. */
export interface ActivationOps {
  /** y = x·Φ(x), or the tanh form. */
  gelu(x: Tensor, approximate: GeluApproximation): Tensor;
  /** dx = dy · GELU'(x). */
  geluBackward(dy: Tensor, x: Tensor, approximate: GeluApproximation): Tensor;
  /** y = max(x, 0). */
  relu(x: Tensor): Tensor;
  /** dx = dy · [x > 0]. */
  reluBackward(dy: Tensor, x: Tensor): Tensor;
  /** y = tanh(x). */
  tanh(x: Tensor): Tensor;
  /** dx = dy · (1 − tanh²(x)). */
  tanhBackward(dy: Tensor, x: Tensor): Tensor;
  /** dz = dy · act'(z); dbias = Σ_rows dz. */
  biasActivationBackward(dy: Tensor, z: Tensor, activation: ActivationKind): BiasActivationGradients;
}

// ---- reductions

/** Reductions: sum over an axis, global L2 norm of many tensors. */
export interface ReduceOps {
  /** out = Σ over `axis` (0 ≤ axis < rank), the axis removed from the shape. */
  sum(x: Tensor, axis: number): Tensor;
  /** out[] = sqrt(Σ_t Σ_i t[i]²). */
  globalNorm(tensors: readonly Tensor[]): Tensor;
}

// ---- optimizers

/** One AdamW step's hyper-parameters, every one resolved; the learning rate and t come from `step`. */
export interface AdamWSpec {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Where the kernel reads lr, t and the bias corrections. */
  step: StepSource;
  /** A training step's guard [loss, gradient norm] (from `updateGuard`): unless both are finite, nothing is written. */
  guard: Tensor | null;
}

/** One SGD step's hyper-parameters, every one resolved; the learning rate and t come from `step`. */
export interface SgdSpec {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** Where the kernel reads lr and t (t = 1 starts the momentum buffer). */
  step: StepSource;
  /** A training step's guard [loss, gradient norm] (from `updateGuard`): unless both are finite, nothing is written. */
  guard: Tensor | null;
}

/** Optimizer updates, in place. */
export interface OptimOps {
  /** One AdamW step, in place on `param`, `m` and `v`. */
  adamwUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, spec: AdamWSpec): void;
  /** One SGD step, in place on `param` and `buf`. */
  sgdUpdate(param: Tensor, grad: Tensor, buf: Tensor, spec: SgdSpec): void;
  /** x ← x · min(1, maxNorm / (norm + 1e-6)) in place, `norm` a one-element tensor from `globalNorm`. */
  clipByNorm(x: Tensor, norm: Tensor, maxNorm: number): void;
  /** The guard of an update, f32 [2] = [loss, norm], from two one-element f32 tensors. */
  updateGuard(loss: Tensor, norm: Tensor): Tensor;
}

// ---- dropout

/**
 * A dropout mask with its options resolved: the Philox key is always a pair, and element i reads
 * stream position `offset + step.randomOffset + i` (the step's offset is 0 for an eager call).
 */
export interface DropoutMask {
  readonly p: number;
  readonly key: readonly [number, number];
  readonly offset: number;
  readonly step: StepSource;
}

/** Dropout with a counter-based RNG, forward and backward (the mask is regenerated, not stored). */
export interface DropoutOps {
  /** y = x · mask / (1 − p). */
  dropout(x: Tensor, mask: DropoutMask): Tensor;
  /** dx = dy · mask / (1 − p), the same mask as the forward with the same options. */
  dropoutBackward(dy: Tensor, mask: DropoutMask): Tensor;
}

// ---- attention

/** A checked attention call, as backends receive it. */
export interface AttentionSpec {
  batch: number;
  heads: number;
  tq: number;
  tk: number;
  dh: number;
  scale: number;
  causal: boolean;
  keyMask: Tensor | null;
  dropout: DropoutMask | null;
}

/** What `attention` returns: the output and the row log-sum-exp its backward needs. */
export interface AttentionResult {
  /** softmax(scale·Q·Kᵀ + mask)·V (with dropout on the probabilities), [B, H, Tq, Dh]. */
  out: Tensor;
  /** log Σ_j exp(scale·q_i·k_j) over the visible keys of each query row, [B, H, Tq]; −∞ for a row that sees no key. */
  lse: Tensor;
}

/** What `attentionWithProbabilities` returns: the output and the probabilities, for inspection and the non-fused backward. */
export interface AttentionProbabilitiesResult {
  /** As `attention`'s out, [B, H, Tq, Dh]. */
  out: Tensor;
  /** softmax(scale·Q·Kᵀ + mask) before dropout, [B, H, Tq, Tk]; rows sum to 1 (0 for a row that sees no key). */
  probs: Tensor;
}

/** The gradients of attention. */
export interface AttentionGrads {
  dq: Tensor;
  dk: Tensor;
  dv: Tensor;
}

/** Scaled dot-product attention. */
export interface AttentionOps {
  /** Fused forward: out and lse, no [Tq, Tk] matrix in memory. */
  attention(q: Tensor, k: Tensor, v: Tensor, spec: AttentionSpec): AttentionResult;
  /** Fused backward: probabilities recomputed from lse. */
  attentionBackward(dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, out: Tensor, lse: Tensor, spec: AttentionSpec): AttentionGrads;
  /** Non-fused forward (GEMM, softmax, GEMM) that keeps the probabilities. */
  attentionWithProbabilities(q: Tensor, k: Tensor, v: Tensor, spec: AttentionSpec): AttentionProbabilitiesResult;
  /** Non-fused backward from the saved probabilities. */
  attentionBackwardFromProbabilities(dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, probs: Tensor, spec: AttentionSpec): AttentionGrads;
}

// ---- layout

/** A checked slice along one axis, as backends receive it: entries [start, start + length) of `axis`. */
export interface SliceSpec {
  /** The sliced axis, 0 ≤ axis < rank. */
  readonly axis: number;
  readonly start: number;
  readonly length: number;
  /** The axis's size in the full tensor (x of the forward, dx of the backward); start + length ≤ size. */
  readonly size: number;
}

/** Layout ops. */
export interface LayoutOps {
  /** out.shape[k] = x.shape[perm[k]]; `perm` is a checked permutation of 0..rank-1. A new tensor, never a view. */
  transpose(x: Tensor, perm: readonly number[]): Tensor;
  /** x's entries [start, start + length) along `axis`; the axis has `length` entries in the result (a copy). */
  slice(x: Tensor, spec: SliceSpec): Tensor;
  /** dx: zeros of the full shape (`size` along `axis`) with dy written at entries [start, start + length) of the axis. */
  sliceBackward(dy: Tensor, spec: SliceSpec): Tensor;
  /** a and b (f32, the same shape outside `axis`, 0 ≤ axis < rank) joined along `axis` (a copy). */
  concat(a: Tensor, b: Tensor, axis: number): Tensor;
}

// ---- the whole contract

/**
 * The ops every backend implements. Arguments arrive already checked by src/ops (same backend,
 * dtypes and shapes valid), so backends only compute. Each backend builds its table from
 * per-family files, and the compiler rejects a backend that misses an op.
 */
export interface BackendOps
  extends ElementwiseOps,
    GemmOps,
    NormOps,
    SoftmaxOps,
    LossOps,
    EmbeddingOps,
    ActivationOps,
    ReduceOps,
    OptimOps,
    DropoutOps,
    AttentionOps,
    LayoutOps {}

/** Name of an op every backend implements. */
export type OpName = keyof BackendOps;

// ---- recorded programs

/** GPU time of one kernel over a profiled run: how many dispatches and their summed milliseconds. */
export interface KernelTime {
  kernel: string;
  dispatches: number;
  ms: number;
}

/**
 * Work recorded once and replayed as a whole: every dispatch of a piece of a training step with
 * its buffers planned by liveness, its bind groups and uniforms made once. Replaying runs no op
 * function: it only encodes the recorded commands and submits them.
 */
export interface RecordedProgram {
  /** Recorded dispatches. */
  readonly dispatchCount: number;
  /** The kernel name of each recorded dispatch, in order. */
  readonly kernels: readonly string[];
  /** Bytes of the buffers planned for intermediates. */
  readonly plannedBytes: number;
  /** Returns every buffer the program holds to the backend. */
  dispose(): void;
}

/** Progress of compiling a program's pipelines: `done` of `total` distinct pipelines ready. */
export interface CompileProgress {
  done: number;
  total: number;
  /** The kernel just compiled. */
  kernel: string;
}

/** What a run reads back: the first `words` f32 of output `output` of `programs[program]`. */
export interface ProgramRead {
  readonly program: number;
  readonly output: number;
  readonly words: number;
}

/** What a run copies after the programs: output `output` of `programs[program]` into `into` (its byte length), e.g. a decoder's updated caches back into the caches its next run reads. */
export interface ProgramCopy {
  readonly program: number;
  readonly output: number;
  readonly into: Tensor;
}

/** Records and replays programs (the WebGPU backend has this; the CPU always runs op by op). */
export interface ProgramRunner {
  /**
   * Runs `fn` once with every op's allocations, releases and dispatches recorded instead of run
   * (buffers are placeholders until the memory plan). Tensors `fn` returns stay readable after
   * each replay through `run`'s `read`. Compiles nothing: see `compile`.
   */
  record(fn: () => readonly Tensor[]): RecordedProgram;
  /** Compiles every pipeline the programs use (asynchronously where the device can), reporting each. */
  compile(programs: readonly RecordedProgram[], onProgress?: (progress: CompileProgress) => void): Promise<void>;
  /**
   * Submits the programs in order in one command buffer (compiling first if needed), then the
   * `copies`, and resolves to the values `reads` name, as f32, one after the other, through one
   * readback (none when `reads` is empty). The work is queued before the promise returns once the
   * pipelines are compiled.
   */
  run(programs: readonly RecordedProgram[], reads: readonly ProgramRead[], copies?: readonly ProgramCopy[]): Promise<Float32Array>;
  /** As `run`, with a timestamp pair around every dispatch; the GPU time per kernel name, largest first. */
  profile(programs: readonly RecordedProgram[]): Promise<KernelTime[]>;
}

/** A backend as the library sees it: the public `Backend` surface plus its op table. */
export interface OpBackend extends Backend {
  readonly ops: BackendOps;
  /** A u32 [8] tensor for step values (shaders/common/step.wgsl) that kernels can bind as a uniform; a training step rewrites it each step. */
  stepValuesTensor(): Tensor;
  /** Recorded programs, on backends that replay them (WebGPU); undefined where everything runs op by op. */
  readonly programs?: ProgramRunner;
}

/** The op table of the backend `t` lives on (every backend the library creates has one). */
export function opsOf(t: Tensor): BackendOps {
  return (t.backend as OpBackend).ops;
}
