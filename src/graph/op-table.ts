// The graph's ops: for each, its attributes and how it runs, as calls of the checked functions in
// src/ops. The same function infers shapes at build time (on meta tensors) and computes at run time.
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Parameter } from './parameter.js';
import { add, mul, scale } from '../ops/elementwise.js';
import { matmul } from '../ops/gemm.js';
import { layerNorm, layerNormBackward } from '../ops/norm.js';
import { softmax, softmaxBackward } from '../ops/softmax.js';
import { crossEntropy, crossEntropyBackward } from '../ops/loss.js';
import { embedding, embeddingBackward, gatherRows, gatherRowsBackward } from '../ops/embedding.js';
import type { GeluApproximation } from '../backend/contract.js';
import { gelu, geluBackward, relu, reluBackward, tanh, tanhBackward } from '../ops/activation.js';
import { sum } from '../ops/reduce.js';
import { dropoutBackwardInStep, dropoutInStep } from '../ops/dropout.js';
import { type AttentionOptions, attentionBackwardInStep, attentionInStep } from '../ops/attention.js';
import type { StepSource } from '../backend/step-values.js';
import { concat, slice, sliceBackward, transpose } from '../ops/layout.js';

/** Attributes of the attention ops; `stream` is where its dropout draws from (set by the graph). */
export interface AttentionAttrs {
  scale: number;
  causal: boolean;
  /** A keyMask [B, Tk] is the last input. */
  keyMask: boolean;
  /** Dropout on the probabilities (0: none). */
  dropout: number;
  stream: number;
}

/** Every op a graph holds, with its attributes. Leaves (`input`, `param`, `constant`) have no inputs. */
export interface OpAttrs {
  input: { name: string };
  param: { parameter: Parameter };
  constant: { value: number | Float32Array | Int32Array };
  /** inputs [a, b] or [a, b, bias] */
  matmul: { transposeA: boolean; transposeB: boolean; bias: boolean };
  add: Record<string, never>;
  mul: Record<string, never>;
  scale: { s: number };
  /** A view: same elements, another shape. */
  reshape: { shape: readonly number[] };
  transpose: { perm: readonly number[] };
  sum: { axis: number };
  gelu: { approximate: GeluApproximation };
  geluBackward: { approximate: GeluApproximation };
  relu: Record<string, never>;
  reluBackward: Record<string, never>;
  tanh: Record<string, never>;
  /** inputs [dy, x] */
  tanhBackward: Record<string, never>;
  /** inputs [x, index]: rows of x [N, D] at index [M] */
  gatherRows: Record<string, never>;
  /** inputs [dOut, index]; `rows` is x's N */
  gatherRowsBackward: { rows: number };
  /** `axis` resolved to [0, rank) */
  slice: { axis: number; start: number; length: number };
  /** `size` is x's size along `axis` */
  sliceBackward: { axis: number; start: number; size: number };
  concat: { axis: number };
  /** inputs [x, gamma, beta]; outputs [y, mean, rstd] */
  layerNorm: { eps: number };
  /** inputs [dy, x, gamma, mean, rstd]; outputs [dx, dgamma, dbeta] */
  layerNormBackward: Record<string, never>;
  /** inputs [x] or [x, mask] */
  softmax: { mask: boolean };
  softmaxBackward: Record<string, never>;
  /** inputs [table, ids] */
  embedding: Record<string, never>;
  embeddingBackward: { vocabSize: number };
  dropout: { p: number; stream: number };
  dropoutBackward: { p: number; stream: number };
  /** inputs [q, k, v] (+ keyMask); outputs [out, lse] */
  attention: AttentionAttrs;
  /** inputs [dOut, q, k, v, out, lse] (+ keyMask); outputs [dq, dk, dv] */
  attentionBackward: AttentionAttrs;
  /** inputs [logits, labels]; outputs [loss, logSumExp] */
  crossEntropy: { ignoreIndex: number; labelSmoothing: number };
  /** inputs [logits, labels, logSumExp] */
  crossEntropyBackward: { ignoreIndex: number; labelSmoothing: number; scale: number };
}

/** Name of a graph op. */
export type OpName = keyof OpAttrs;
/** The graph's leaves, which the executor supplies rather than computes. */
export type LeafOp = 'input' | 'param' | 'constant';
/** True for the leaves (`input`, `param`, `constant`). */
export function isLeafOp(op: OpName): op is LeafOp {
  return op === 'input' || op === 'param' || op === 'constant';
}
/** Ops that compute outputs from inputs. */
export type ComputeOp = Exclude<OpName, LeafOp>;

/** Per-run values an op may depend on. */
export interface RunContext {
  /** Philox key of the run's dropout masks. */
  readonly seed: readonly [number, number];
  /**
   * The run's step values: dropout ops draw from stream position `step.randomOffset` + their
   * place in the graph (run s of a training step starts at s × the graph's randomStreamSize).
   * A compiled step passes its step-values tensor, rewritten every step.
   */
  readonly step: StepSource;
}

type Runner<K extends ComputeOp> = (inputs: readonly Tensor[], attrs: OpAttrs[K], ctx: RunContext) => Tensor[];

const attentionOptions = (attrs: AttentionAttrs, inputs: readonly Tensor[], ctx: RunContext): AttentionOptions => ({
  scale: attrs.scale,
  causal: attrs.causal,
  ...(attrs.keyMask ? { keyMask: inputs[inputs.length - 1]! } : {}),
  ...(attrs.dropout > 0 ? { dropout: { p: attrs.dropout, seed: ctx.seed, offset: attrs.stream } } : {}),
});

const RUN: { [K in ComputeOp]: Runner<K> } = {
  matmul: ([a, b, bias], { transposeA, transposeB }) => [matmul(a!, b!, { transposeA, transposeB, ...(bias ? { bias } : {}) })],
  add: ([a, b]) => [add(a!, b!)],
  mul: ([a, b]) => [mul(a!, b!)],
  scale: ([x], { s }) => [scale(x!, s)],
  reshape: ([x], { shape }) => [x!.reshape(shape)],
  transpose: ([x], { perm }) => [transpose(x!, perm)],
  sum: ([x], { axis }) => [sum(x!, axis)],
  gelu: ([x], { approximate }) => [gelu(x!, { approximate })],
  geluBackward: ([dy, x], { approximate }) => [geluBackward(dy!, x!, { approximate })],
  relu: ([x]) => [relu(x!)],
  reluBackward: ([dy, x]) => [reluBackward(dy!, x!)],
  tanh: ([x]) => [tanh(x!)],
  tanhBackward: ([dy, x]) => [tanhBackward(dy!, x!)],
  gatherRows: ([x, index]) => [gatherRows(x!, index!)],
  gatherRowsBackward: ([dOut, index], { rows }) => [gatherRowsBackward(dOut!, index!, rows)],
  slice: ([x], { axis, start, length }) => [slice(x!, axis, start, length)],
  sliceBackward: ([dy], { axis, start, size }) => [sliceBackward(dy!, axis, start, size)],
  concat: ([a, b], { axis }) => [concat(a!, b!, axis)],
  layerNorm: ([x, gamma, beta], { eps }) => {
    const { y, mean, rstd } = layerNorm(x!, gamma!, beta!, eps);
    return [y, mean, rstd];
  },
  layerNormBackward: ([dy, x, gamma, mean, rstd]) => {
    const { dx, dgamma, dbeta } = layerNormBackward(dy!, x!, gamma!, mean!, rstd!);
    return [dx, dgamma, dbeta];
  },
  softmax: ([x, mask]) => [softmax(x!, mask)],
  softmaxBackward: ([dy, y]) => [softmaxBackward(dy!, y!)],
  embedding: ([table, ids]) => [embedding(table!, ids!)],
  embeddingBackward: ([dOut, ids], { vocabSize }) => [embeddingBackward(dOut!, ids!, vocabSize)],
  dropout: ([x], { p, stream }, ctx) => [dropoutInStep(x!, { p, seed: ctx.seed, offset: stream }, ctx.step)],
  dropoutBackward: ([dy], { p, stream }, ctx) => [dropoutBackwardInStep(dy!, { p, seed: ctx.seed, offset: stream }, ctx.step)],
  attention: (inputs, attrs, ctx) => {
    const [q, k, v] = inputs;
    const { out, lse } = attentionInStep(q!, k!, v!, attentionOptions(attrs, inputs, ctx), ctx.step);
    return [out, lse];
  },
  attentionBackward: (inputs, attrs, ctx) => {
    const [dOut, q, k, v, out, lse] = inputs;
    const { dq, dk, dv } = attentionBackwardInStep(dOut!, q!, k!, v!, { out: out!, lse: lse! }, attentionOptions(attrs, inputs, ctx), ctx.step);
    return [dq, dk, dv];
  },
  crossEntropy: ([logits, labels], options) => {
    const { loss, logSumExp } = crossEntropy(logits!, labels!, options);
    return [loss, logSumExp];
  },
  crossEntropyBackward: ([logits, labels, lse], options) => [crossEntropyBackward(logits!, labels!, lse!, options)],
};

/** Runs one compute op on tensors of any backend (the meta backend at build time). */
export function runOp<K extends ComputeOp>(op: K, inputs: readonly Tensor[], attrs: OpAttrs[K], ctx: RunContext): Tensor[] {
  const run = RUN[op] as Runner<K> | undefined;
  if (!run) throw new ShapeError(`graph: unknown op ${JSON.stringify(op)}`);
  return run(inputs, attrs, ctx);
}

/** Philox stream positions one application draws: the dropout mask's size (0 for ops without randomness). */
export function randomStreamSize(op: ComputeOp, inputs: readonly Tensor[], attrs: OpAttrs[ComputeOp]): number {
  if (op === 'dropout') return (attrs as OpAttrs['dropout']).p > 0 ? inputs[0]!.size : 0;
  if (op === 'attention' && (attrs as AttentionAttrs).dropout > 0) {
    const [batch, heads, tq] = inputs[0]!.shape as [number, number, number];
    return batch * heads * tq * inputs[1]!.shape[2]!; // [B, H, Tq, Tk] probabilities
  }
  return 0;
}
