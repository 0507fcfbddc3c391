// The typed graph ops users build models from (exported as `F`). Each adds a node to its inputs'
// graph; arguments are checked and output shapes inferred right here, at build time.
import { ArgumentError, ShapeError, describeValue, formatShape } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { shapeSize } from '../tensor/tensor.js';
import type { GeluApproximation } from '../backend/contract.js';
import { type Var, checkVar } from './graph.js';

/** Options of `F.matmul`. */
export interface GraphMatmulOptions {
  /** A is given as [..., K, M] and used transposed. */
  transposeA?: boolean;
  /** B is given as [..., N, K] and used transposed. */
  transposeB?: boolean;
  /** Added to every row: [N]. */
  bias?: Var<'f32', 1>;
}

/** C[..., M, N] = op(A)·op(B) (+ bias); an operand of rank 2 is shared by every batch. */
export function matmul<R extends number>(a: Var<'f32', R>, b: Var<'f32'>, options: GraphMatmulOptions = {}): Var<'f32', R> {
  checkVars('F.matmul', { a, b });
  checkOptions('F.matmul', options);
  const { transposeA = false, transposeB = false, bias } = options;
  if (bias !== undefined) checkVar('F.matmul', 'bias', bias);
  const inputs = bias ? [a, b, bias] : [a, b];
  return a.graph.apply('matmul', inputs, { transposeA, transposeB, bias: bias !== undefined })[0] as Var<'f32', R>;
}

/** y = x·Wᵀ + b for x [..., in], W [out, in] (PyTorch's layout), b [out]. */
export function linear<R extends number>(x: Var<'f32', R>, weight: Var<'f32', 2>, bias?: Var<'f32', 1>): Var<'f32', R> {
  checkVars('F.linear', { x, weight, ...(bias === undefined ? {} : { bias }) });
  return matmul(x, weight, { transposeB: true, ...(bias ? { bias } : {}) });
}

/**
 * a + b with NumPy broadcasting (sizes aligned from the last dim, equal or 1; a bias [N] onto
 * [M, N], or [B, 1, D] + [1, T, D]). The result has the broadcast shape; its static rank is a's,
 * so put the operand of the larger rank first.
 */
export function add<D extends DType, R extends number>(a: Var<D, R>, b: Var<D>): Var<D, R> {
  checkVars('F.add', { a, b });
  return a.graph.apply('add', [a, b], {})[0] as Var<D, R>;
}

/** a · b elementwise with NumPy broadcasting, as `add`. */
export function mul<R extends number>(a: Var<'f32', R>, b: Var<'f32'>): Var<'f32', R> {
  checkVars('F.mul', { a, b });
  return a.graph.apply('mul', [a, b], {})[0] as Var<'f32', R>;
}

/** s · x. */
export function scale<R extends number>(x: Var<'f32', R>, s: number): Var<'f32', R> {
  checkVar('F.scale', 'x', x);
  return x.graph.apply('scale', [x], { s })[0] as Var<'f32', R>;
}

/** The same elements with another shape (no copy); one dimension may be -1 and is inferred. */
export function reshape<D extends DType, const S extends readonly number[]>(x: Var<D>, shape: S): Var<D, S['length']> {
  checkVar('F.reshape', 'x', x);
  const resolved = resolveShape(x, shape);
  if (resolved.length === x.rank && resolved.every((d, i) => d === x.shape[i])) return x as Var<D, S['length']>;
  return x.graph.apply('reshape', [x], { shape: resolved })[0] as Var<D, S['length']>;
}

/** Dimensions permuted: out.shape[i] = x.shape[perm[i]]. */
export function transpose<D extends DType, R extends number>(x: Var<D, R>, perm: readonly number[]): Var<D, R> {
  checkVar('F.transpose', 'x', x);
  if (!Array.isArray(perm)) throw new ArgumentError(`F.transpose: perm must be an array of dims, got ${describeValue(perm)}`);
  const node = x.graph.apply('transpose', [x], { perm: [...perm] })[0] as Var<D, R>;
  // A permutation that only moves dims of size 1 keeps the element order: a view (no copy, no
  // dispatch), as the heads of a one-token decoding step are. The node above still checked perm.
  const moved = perm.filter((d) => x.shape[d] !== 1);
  return moved.every((d, i) => i === 0 || d > moved[i - 1]!) ? (reshape(x, node.shape) as Var<D, R>) : node;
}

/** Σ over one axis (negative counts from the end), which is removed. */
export function sum(x: Var<'f32'>, axis: number): Var<'f32'> {
  checkVar('F.sum', 'x', x);
  const resolved = axis < 0 ? axis + x.rank : axis;
  if (!Number.isInteger(resolved) || resolved < 0 || resolved >= x.rank) {
    throw new ShapeError(`sum: axis must be an integer in [${-x.rank}, ${x.rank - 1}] for ${x.describe()}, got ${axis}`);
  }
  return x.graph.apply('sum', [x], { axis: resolved })[0] as Var<'f32'>;
}

/** GELU(x) = x·Φ(x) (or the tanh form). */
export function gelu<R extends number>(x: Var<'f32', R>, approximate: GeluApproximation = 'none'): Var<'f32', R> {
  checkVar('F.gelu', 'x', x);
  return x.graph.apply('gelu', [x], { approximate })[0] as Var<'f32', R>;
}

/** max(x, 0). */
export function relu<R extends number>(x: Var<'f32', R>): Var<'f32', R> {
  checkVar('F.relu', 'x', x);
  return x.graph.apply('relu', [x], {})[0] as Var<'f32', R>;
}

/** tanh(x) elementwise. */
export function tanh<R extends number>(x: Var<'f32', R>): Var<'f32', R> {
  checkVar('F.tanh', 'x', x);
  return x.graph.apply('tanh', [x], {})[0] as Var<'f32', R>;
}

/** Rows of x [N, D] at i32 index [M] (each in [0, N)) → [M, D]; the gradient scatter-adds into x's rows. */
export function gatherRows(x: Var<'f32', 2>, index: Var<'i32', 1>): Var<'f32', 2> {
  checkVars('F.gatherRows', { x, index });
  return x.graph.apply('gatherRows', [x, index], {})[0] as Var<'f32', 2>;
}

/** x[..., start : start + length, ...] along `axis` (negative counts from the end); same rank. */
export function slice<D extends DType, R extends number>(x: Var<D, R>, axis: number, start: number, length: number): Var<D, R> {
  checkVar('F.slice', 'x', x);
  // Resolved here so the node's attributes (and its backward's) hold the axis as an index.
  const resolved = typeof axis === 'number' && Number.isInteger(axis) && axis < 0 ? axis + x.rank : axis;
  return x.graph.apply('slice', [x], { axis: resolved, start, length })[0] as Var<D, R>;
}

/** a and b joined along `axis` (every other dim equal): one copy kernel. */
export function concat<R extends number>(a: Var<'f32', R>, b: Var<'f32', R>, axis: number): Var<'f32', R> {
  checkVars('F.concat', { a, b });
  const resolved = Number.isInteger(axis) && axis < 0 ? axis + a.rank : axis;
  if (!Number.isInteger(resolved) || resolved < 0 || resolved >= a.rank)
    throw new ShapeError(`concat: axis ${String(axis)} is out of range for ${a.describe()}`);
  const joinable = a.rank === b.rank && a.shape.every((d, i) => i === resolved || d === b.shape[i]);
  if (!joinable) throw new ShapeError(`concat: ${a.describe()} and ${b.describe()} differ outside axis ${resolved}`);
  return a.graph.apply('concat', [a, b], { axis: resolved })[0] as Var<'f32', R>;
}

/** (x − mean)·rstd·γ + β over the last dimension. */
export function layerNorm<R extends number>(x: Var<'f32', R>, gamma: Var<'f32', 1>, beta: Var<'f32', 1>, eps = 1e-5): Var<'f32', R> {
  checkVars('F.layerNorm', { x, gamma, beta });
  return x.graph.apply('layerNorm', [x, gamma, beta], { eps })[0] as Var<'f32', R>;
}

/** softmax(x + mask) over the last dimension; mask is additive, x's shape or a suffix of it. */
export function softmax<R extends number>(x: Var<'f32', R>, mask?: Var<'f32'>): Var<'f32', R> {
  checkVars('F.softmax', { x, ...(mask === undefined ? {} : { mask }) });
  return x.graph.apply('softmax', mask ? [x, mask] : [x], { mask: mask !== undefined })[0] as Var<'f32', R>;
}

/** out[..., :] = table[ids[...], :] for table [V, D] and i32 ids. */
export function embedding(table: Var<'f32', 2>, ids: Var<'i32'>): Var<'f32'> {
  checkVars('F.embedding', { table, ids });
  return table.graph.apply('embedding', [table, ids], {})[0] as Var<'f32'>;
}

/** Dropout with probability p (a fresh mask every training step); p = 0 returns x unchanged. */
export function dropout<R extends number>(x: Var<'f32', R>, p: number): Var<'f32', R> {
  checkVar('F.dropout', 'x', x);
  if (p === 0) return x;
  return x.graph.apply('dropout', [x], { p, stream: 0 })[0] as Var<'f32', R>;
}

/** Options of `F.attention`. */
export interface GraphAttentionOptions {
  /** Multiplies Q·Kᵀ (default 1/√Dh). */
  scale?: number;
  /** Query i sees keys j ≤ i. */
  causal?: boolean;
  /** [B, Tk] i32, nonzero where the key is attended (Hugging Face's attention_mask). */
  keyMask?: Var<'i32', 2>;
  /** Dropout on the probabilities (default 0). */
  dropout?: number;
}

/** Fused scaled dot-product attention for q [B, H, Tq, Dh], k and v [B, H, Tk, Dh] → [B, H, Tq, Dh]. */
export function attention(q: Var<'f32', 4>, k: Var<'f32', 4>, v: Var<'f32', 4>, options: GraphAttentionOptions = {}): Var<'f32', 4> {
  checkVars('F.attention', { q, k, v });
  checkOptions('F.attention', options);
  if (options.keyMask !== undefined) checkVar('F.attention', 'keyMask', options.keyMask);
  const dh = q.shape[3]!;
  const attrs = {
    scale: options.scale ?? 1 / Math.sqrt(dh),
    causal: options.causal === true,
    keyMask: options.keyMask !== undefined,
    dropout: options.dropout ?? 0,
    stream: 0,
  };
  const inputs = options.keyMask ? [q, k, v, options.keyMask] : [q, k, v];
  return q.graph.apply('attention', inputs, attrs)[0] as Var<'f32', 4>;
}

/** Options of `F.crossEntropy`. */
export interface GraphCrossEntropyOptions {
  /** Labels equal to this are left out (default -100). */
  ignoreIndex?: number;
  /** ε: the target is (1 − ε)·onehot + ε/C (default 0). */
  labelSmoothing?: number;
}

/** Mean cross-entropy of logits [N, C] against i32 labels [N]: a scalar. */
export function crossEntropy(logits: Var<'f32', 2>, labels: Var<'i32', 1>, options: GraphCrossEntropyOptions = {}): Var<'f32', 0> {
  checkVars('F.crossEntropy', { logits, labels });
  checkOptions('F.crossEntropy', options);
  const attrs = { ignoreIndex: options.ignoreIndex ?? -100, labelSmoothing: options.labelSmoothing ?? 0 };
  return logits.graph.apply('crossEntropy', [logits, labels], attrs)[0] as Var<'f32', 0>;
}

/** Checks each named argument is a graph value, in order, before any is touched. */
function checkVars(op: string, vars: Readonly<Record<string, unknown>>): void {
  for (const [name, v] of Object.entries(vars)) checkVar(op, name, v);
}

function checkOptions(op: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: options must be an object, got ${describeValue(options)}`);
}

/** Resolves one -1 in `shape` and checks the element count. */
function resolveShape(x: Var, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new ArgumentError(`F.reshape: shape must be an array of dims, got ${describeValue(shape)}`);
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new ShapeError(`reshape: shape must be non-negative integers with at most one -1, got ${JSON.stringify(shape)}`);
  }
  const known = shapeSize(shape.filter((d) => d !== -1));
  const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.shape.reduce((a, b) => a * b, 1) / known) : d));
  if (!resolved.every(Number.isInteger) || shapeSize(resolved) !== shapeSize(x.shape)) {
    throw new ShapeError(`reshape: ${x.describe()} cannot be viewed as ${formatShape(shape)}`);
  }
  return resolved;
}
