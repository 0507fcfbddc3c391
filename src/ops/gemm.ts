import { ShapeError, formatShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkDType, checkOptionsObject, checkSameBackend, checkShapeEquals, ifGiven } from './shared.js';
import { GEMM_VARIANTS, type GemmActivation, type GemmVariant, type MatmulSpec, opsOf } from '../backend/contract.js';
export type { GemmActivation, GemmVariant } from '../backend/contract.js';

export { GEMM_VARIANTS } from '../backend/contract.js';

/** Options of `matmul`. */
export interface MatmulOptions {
  /** A is given as [..., K, M] and used transposed. */
  transposeA?: boolean;
  /** B is given as [..., N, K] and used transposed. */
  transposeB?: boolean;
  /** Added to every row of the product: shape [N]. */
  bias?: Tensor;
  /** Applied after the bias, in the same kernel. */
  activation?: GemmActivation;
  /** Force a WebGPU kernel variant (default: the backend's choice for this adapter and shape). */
  variant?: GemmVariant;
  /** Force split-K with this many splits (default: the backend decides; 1 turns it off). */
  splitK?: number;
}

/**
 * C[..., M, N] = act(op(A)[..., M, K] · op(B)[..., K, N] + bias), f32. Leading dims are batch
 * dims; an operand of rank 2 is shared by every batch. op(X) = Xᵀ (of the last two dims) when
 * the matching `transpose` option is set.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const op = 'matmul';
  checkOptionsObject(op, options);
  const { transposeA = false, transposeB = false, bias, activation = 'none', variant, splitK } = options;
  checkSameBackend(op, { a, b, ...ifGiven('bias', bias) });
  checkDType(op, 'A', a, ['f32']);
  checkDType(op, 'B', b, ['f32']);
  if (a.rank < 2 || b.rank < 2) {
    throw new ShapeError(`${op}: A and B need at least 2 dims, got A ${formatShape(a.shape)} and B ${formatShape(b.shape)}`);
  }
  const [a0, a1] = a.shape.slice(-2) as [number, number];
  const [b0, b1] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [a1, a0] : [a0, a1];
  const [kb, n] = transposeB ? [b1, b0] : [b0, b1];
  if (k !== kb) {
    const aForm = transposeA ? '[K, M] (transposeA)' : '[M, K]';
    const bForm = transposeB ? '[N, K] (transposeB)' : '[K, N]';
    throw new ShapeError(`${op}: expected A ${aForm} and B ${bForm} with the same K, got A ${formatShape(a.shape)} and B ${formatShape(b.shape)}`);
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  if (aBatch.length > 0 && bBatch.length > 0 && (aBatch.length !== bBatch.length || aBatch.some((d, i) => d !== bBatch[i]))) {
    throw new ShapeError(`${op}: batch dims differ: A ${formatShape(a.shape)} and B ${formatShape(b.shape)} (they must match, or one operand must be 2-D)`);
  }
  const batchShape = aBatch.length > 0 ? aBatch : bBatch;
  const batches = batchShape.reduce((x, y) => x * y, 1);
  if (bias !== undefined) {
    checkDType(op, 'bias', bias, ['f32']);
    checkShapeEquals(op, 'bias', bias, [n]);
  }
  if (!['none', 'relu', 'gelu', 'gelu_tanh'].includes(activation)) throw new ShapeError(`${op}: unknown activation ${JSON.stringify(activation)}`);
  if (variant !== undefined && !GEMM_VARIANTS.includes(variant)) {
    throw new ShapeError(`${op}: unknown variant ${JSON.stringify(variant)}; one of ${GEMM_VARIANTS.join(', ')}`);
  }
  if (splitK !== undefined && !(Number.isInteger(splitK) && splitK >= 1)) throw new ShapeError(`${op}: splitK must be a positive integer, got ${splitK}`);
  const spec: MatmulSpec = {
    m,
    n,
    k,
    batchShape,
    batches,
    transA: transposeA,
    transB: transposeB,
    strideA: aBatch.length > 0 ? m * k : 0,
    strideB: bBatch.length > 0 ? k * n : 0,
    bias,
    activation,
    variant,
    splitK,
  };
  return opsOf(a).matmul(a, b, spec);
}
