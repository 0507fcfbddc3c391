// Reverse-mode differentiation over a graph: one rule per op in an exhaustive typed table (an op
// added to OpAttrs without a rule here does not compile). Rules build the backward pass out of
// graph ops, so it is checked, shape-inferred, planned and run like the forward.
import { ShapeError, ShaderformerError } from '../errors.js';
import { shapeSize } from '../tensor/tensor.js';
import { type Node, type Var, checkScalarLoss } from './graph.js';
import { type AttentionAttrs, type ComputeOp, isLeafOp } from './op-table.js';
import * as F from './ops.js';

/** What a rule gets: the node, the cotangent of each output (null: unused), which inputs need a gradient. */
interface GradContext<K extends ComputeOp> {
  readonly node: Node<K>;
  readonly dOuts: readonly (Var | null)[];
  readonly needs: readonly boolean[];
}

/** A gradient rule: the cotangent of each input (null where none is needed or the input is not differentiable). */
type GradRule<K extends ComputeOp> = (ctx: GradContext<K>) => (Var | null)[];

/** Backward ops are not differentiated again; reaching one with a cotangent is an error. */
const notDifferentiable =
  <K extends ComputeOp>(op: K): GradRule<K> =>
  ({ dOuts }) => {
    if (dOuts.some((d) => d !== null)) throw new ShaderformerError(`gradients: ${op} has no gradient rule (higher-order gradients are not supported)`);
    return [];
  };

const GRAD_RULES: { [K in ComputeOp]: GradRule<K> } = {
  matmul: ({ node, dOuts: [dC], needs }) => {
    const [a, b, bias] = node.inputs as [Var<'f32'>, Var<'f32'>, Var<'f32', 1> | undefined];
    const { transposeA: ta, transposeB: tb } = node.attrs;
    const dy = dC as Var<'f32'>;
    const aBatched = a.rank > 2;
    const bBatched = b.rank > 2;
    let da: Var | null = null;
    let db: Var | null = null;
    if (needs[0]) {
      if (bBatched && !aBatched) throw unsupported(node, 'the gradient of a 2-D A shared by a batched B');
      // dA = dC·op(B)ᵀ (or its transpose when A is given transposed).
      da = ta ? F.matmul(b, dy, { transposeA: tb, transposeB: true }) : F.matmul(dy, b, { transposeB: !tb });
    }
    if (needs[1]) {
      if (aBatched && !bBatched) {
        // B is shared by every batch: fold the batch into the rows, so the product sums over it.
        if (ta) throw unsupported(node, 'the gradient of a 2-D B shared by a batched, transposed A');
        const rows = shapeSize(a.shape.slice(0, -1));
        const a2 = F.reshape(a, [rows, a.shape[a.rank - 1]!]);
        const dy2 = F.reshape(dy, [rows, dy.shape[dy.rank - 1]!]);
        db = tb ? F.matmul(dy2, a2, { transposeA: true }) : F.matmul(a2, dy2, { transposeA: true });
      } else {
        // dB = op(A)ᵀ·dC (or its transpose when B is given transposed).
        db = tb ? F.matmul(dy, a, { transposeA: true, transposeB: ta }) : F.matmul(a, dy, { transposeA: !ta });
      }
    }
    const dbias = bias && needs[2] ? reduceToShape(dy, bias.shape) : null;
    return [da, db, dbias];
  },
  // Either side may have been broadcast: its cotangent is summed back to its own shape.
  add: ({ node, dOuts: [dy], needs }) => {
    const [a, b] = node.inputs;
    const g = dy as Var<'f32'>;
    return [needs[0] ? reduceToShape(g, a!.shape) : null, needs[1] ? reduceToShape(g, b!.shape) : null];
  },
  mul: ({ node, dOuts: [dy], needs }) => {
    const [a, b] = node.inputs as [Var<'f32'>, Var<'f32'>];
    const g = dy as Var<'f32'>;
    return [needs[0] ? reduceToShape(F.mul(g, b), a.shape) : null, needs[1] ? reduceToShape(F.mul(g, a), b.shape) : null];
  },
  scale: ({ node, dOuts: [dy] }) => [F.scale(dy as Var<'f32'>, node.attrs.s)],
  reshape: ({ node, dOuts: [dy] }) => [F.reshape(dy!, node.inputs[0]!.shape)],
  transpose: ({ node, dOuts: [dy] }) => {
    const inverse: number[] = [];
    node.attrs.perm.forEach((p, i) => (inverse[p] = i));
    return [F.transpose(dy!, inverse)];
  },
  sum: ({ node, dOuts: [dy] }) => [broadcastAlong(dy as Var<'f32'>, node.inputs[0]!.shape, node.attrs.axis)],
  gelu: ({ node, dOuts: [dy] }) => [node.inputs[0]!.graph.apply('geluBackward', [dy!, node.inputs[0]!], node.attrs)[0]!],
  relu: ({ node, dOuts: [dy] }) => [node.inputs[0]!.graph.apply('reluBackward', [dy!, node.inputs[0]!], {})[0]!],
  tanh: ({ node, dOuts: [dy] }) => [node.inputs[0]!.graph.apply('tanhBackward', [dy!, node.inputs[0]!], {})[0]!],
  gatherRows: ({ node, dOuts: [dy] }) => {
    const [x, index] = node.inputs;
    // Rows gathered several times get the sum of their cotangents; rows never gathered get 0.
    return [x!.graph.apply('gatherRowsBackward', [dy!, index!], { rows: x!.shape[0]! })[0]!, null];
  },
  concat: ({ node, dOuts: [dy] }) => {
    const { axis } = node.attrs;
    const [a, b] = node.inputs;
    return [F.slice(dy!, axis, 0, a!.shape[axis]!), F.slice(dy!, axis, a!.shape[axis]!, b!.shape[axis]!)];
  },
  slice: ({ node, dOuts: [dy] }) => {
    const { axis, start } = node.attrs;
    const size = node.inputs[0]!.shape[axis]!;
    return [dy!.graph.apply('sliceBackward', [dy!], { axis, start, size })[0]!];
  },
  layerNorm: ({ node, dOuts: [dy, dMean, dRstd] }) => {
    if (dMean || dRstd) throw unsupported(node, 'gradients through the saved mean or rstd');
    const [x, gamma] = node.inputs;
    const [, mean, rstd] = node.outputs;
    const [dx, dgamma, dbeta] = x!.graph.apply('layerNormBackward', [dy!, x!, gamma!, mean!, rstd!], {});
    return [dx!, dgamma!, dbeta!];
  },
  softmax: ({ node, dOuts: [dy], needs }) => {
    const [x, mask] = node.inputs;
    const dx = x!.graph.apply('softmaxBackward', [dy!, node.outputs[0]!], {})[0]! as Var<'f32'>;
    // The mask is added to x, so it gets dx, summed over the dims it was broadcast along.
    return [dx, mask && needs[1] ? reduceToShape(dx, mask.shape) : null];
  },
  embedding: ({ node, dOuts: [dy] }) => {
    const [table, ids] = node.inputs;
    return [table!.graph.apply('embeddingBackward', [dy!, ids!], { vocabSize: table!.shape[0]! })[0]!, null];
  },
  dropout: ({ node, dOuts: [dy] }) => [node.inputs[0]!.graph.apply('dropoutBackward', [dy!], node.attrs)[0]!],
  attention: ({ node, dOuts: [dOut, dLse], needs }) => {
    if (dLse) throw unsupported(node, 'gradients through the saved log-sum-exp');
    const attrs: AttentionAttrs = node.attrs;
    const [q, k, v, keyMask] = node.inputs;
    const [out, lse] = node.outputs;
    const inputs = [dOut!, q!, k!, v!, out!, lse!, ...(keyMask ? [keyMask] : [])];
    const [dq, dk, dv] = q!.graph.apply('attentionBackward', inputs, attrs);
    return [needs[0] ? dq! : null, needs[1] ? dk! : null, needs[2] ? dv! : null, null];
  },
  crossEntropy: ({ node, dOuts: [dLoss, dLse] }) => {
    if (dLse) throw unsupported(node, 'gradients through the log-sum-exp');
    const [logits, labels] = node.inputs;
    const [, lse] = node.outputs;
    const g = logits!.graph;
    // A constant upstream gradient (1 for the loss itself) folds into the kernel's scale.
    const folded = constantValue(dLoss!);
    const attrs = { ...node.attrs, scale: folded ?? 1 };
    const dLogits = g.apply('crossEntropyBackward', [logits!, labels!, lse!], attrs)[0]! as Var<'f32'>;
    return [folded === undefined ? F.mul(dLogits, dLoss as Var<'f32'>) : dLogits, null];
  },
  geluBackward: notDifferentiable('geluBackward'),
  reluBackward: notDifferentiable('reluBackward'),
  tanhBackward: notDifferentiable('tanhBackward'),
  gatherRowsBackward: notDifferentiable('gatherRowsBackward'),
  // Padding's gradient is the slice it was padded from.
  sliceBackward: ({ node, dOuts: [dy] }) => {
    const { axis, start } = node.attrs;
    return [F.slice(dy!, axis, start, node.inputs[0]!.shape[axis]!)];
  },
  layerNormBackward: notDifferentiable('layerNormBackward'),
  softmaxBackward: notDifferentiable('softmaxBackward'),
  embeddingBackward: notDifferentiable('embeddingBackward'),
  dropoutBackward: notDifferentiable('dropoutBackward'),
  attentionBackward: notDifferentiable('attentionBackward'),
  crossEntropyBackward: notDifferentiable('crossEntropyBackward'),
};

/**
 * Adds the backward pass of `loss` (an f32 scalar) to its graph and returns ∂loss/∂w for each of
 * `wrt`, in order: a var of w's shape (a zero constant where w does not reach the loss).
 * Contributions of a value used several times are summed.
 */
export function gradients(loss: Var, wrt: readonly Var[]): Var<'f32'>[] {
  checkScalarLoss('gradients', loss);
  const graph = loss.graph;
  for (const w of wrt) {
    if (w.graph !== graph) throw new ShapeError(`gradients: ${w.describe()} belongs to another graph than the loss`);
    if (w.dtype !== 'f32') throw new ShapeError(`gradients: can only differentiate with respect to f32 values, got ${w.describe()}`);
  }
  // Forward: which values depend on some w (only they need cotangents).
  const wanted = new Set<Var>(wrt);
  const nodes = graph.nodes.slice(0, loss.node.id + 1);
  for (const node of nodes) {
    if (node.inputs.some((v) => wanted.has(v))) for (const out of node.outputs) if (out.dtype === 'f32') wanted.add(out);
  }
  const cotangents = new Map<Var, Var>([[loss, graph.constant(1, [])]]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (isLeafOp(node.op)) continue;
    const dOuts = node.outputs.map((v) => cotangents.get(v) ?? null);
    if (dOuts.every((d) => d === null)) continue;
    const needs = node.inputs.map((v) => wanted.has(v) && v.dtype === 'f32');
    if (!needs.some(Boolean)) continue;
    const rule = GRAD_RULES[node.op as ComputeOp] as GradRule<ComputeOp>;
    const dIns = graph.scoped(`grad(${node.label})`, () => rule({ node: node as Node<ComputeOp>, dOuts, needs }));
    node.inputs.forEach((v, j) => {
      const d = dIns[j];
      if (!needs[j] || !d) return;
      const previous = cotangents.get(v);
      cotangents.set(v, previous ? F.add(previous as Var<'f32'>, d as Var<'f32'>) : d);
    });
  }
  return wrt.map((w) => (cotangents.get(w) as Var<'f32'> | undefined) ?? graph.constant(0, w.shape));
}

/** The value of a constant scalar var (or a scaled one, as the rule of `scale` makes it), if it is one. */
function constantValue(v: Var): number | undefined {
  if (v.rank !== 0) return undefined;
  if (v.node.op === 'scale') {
    const inner = constantValue(v.node.inputs[0]!);
    return inner === undefined ? undefined : inner * (v.node as Node<'scale'>).attrs.s;
  }
  if (v.node.op !== 'constant') return undefined;
  const value = (v.node as Node<'constant'>).attrs.value;
  return typeof value === 'number' ? value : value[0];
}

/**
 * Sums dy over the dims it was broadcast along, back to `shape` (NumPy broadcasting: dims missing
 * at the front of `shape`, or of size 1 in it, were repeated). Neighbouring dims that are both
 * summed, or both kept, are merged first, so each run of summed dims costs one sum.
 */
function reduceToShape(dy: Var<'f32'>, shape: readonly number[]): Var<'f32'> {
  if (shape.length === dy.rank && shape.every((d, k) => d === dy.shape[k])) return dy;
  const padded = [...new Array<number>(dy.rank - shape.length).fill(1), ...shape];
  // Runs of dims with the same fate; a dim of size 1 in dy joins whichever run it sits in.
  const runs: { size: number; summed: boolean }[] = [];
  dy.shape.forEach((d, k) => {
    const summed = padded[k] === 1 && d !== 1;
    const last = runs[runs.length - 1];
    if (last && (last.summed === summed || d === 1)) last.size *= d;
    else runs.push({ size: d, summed });
  });
  let x = F.reshape(
    dy,
    runs.map((r) => r.size),
  );
  // From the last run to the first, so the axes still to be summed keep their index.
  for (let k = runs.length - 1; k >= 0; k--) if (runs[k]!.summed) x = F.sum(x, k);
  return F.reshape(x, shape);
}

/** dx of a sum over `axis`: dy [x.shape without axis] repeated along axis. */
function broadcastAlong(dy: Var<'f32'>, shape: readonly number[], axis: number): Var<'f32'> {
  const outer = shapeSize(shape.slice(0, axis));
  const n = shape[axis]!;
  const inner = shapeSize(shape.slice(axis + 1));
  // zeros [n, outer·inner] + dy (a suffix) gives dy in every row; then move the axis back in place.
  const repeated = F.add(dy.graph.constant(0, [n, outer * inner]), F.reshape(dy, [outer * inner]));
  if (outer === 1) return F.reshape(repeated, shape);
  const moved = F.transpose(F.reshape(repeated, [n, outer, inner]), [1, 0, 2]);
  return F.reshape(moved, shape);
}

function unsupported(node: Node, what: string): ShaderformerError {
  return new ShaderformerError(`gradients: ${node.label}: ${what} is not supported`);
}
