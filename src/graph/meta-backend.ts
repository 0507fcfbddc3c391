import type { BackendOps, OpBackend } from '../backend/contract.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { ShaderformerError } from '../errors.js';

/**
 * A backend whose tensors have a shape and a dtype but no values. Building a graph runs each op's
 * checked function (`src/ops`) on meta tensors: the checks are the same code as at run time, so a
 * shape error is caught when the graph is built, with the same message, and the output shapes come
 * from the same place as the real ones.
 */
class MetaBackend implements OpBackend {
  readonly name = 'meta' as const;

  readonly ops: BackendOps = {
    add: (a, _b, shape) => this.make(shape, a.dtype),
    mul: (a, _b, shape) => this.make(shape, a.dtype),
    scale: (x) => this.like(x),
    addScaled: (a) => this.like(a),
    accumulate: () => {},
    zero: () => {},
    transpose: (x, perm) =>
      this.make(
        perm.map((p) => x.shape[p]!),
        x.dtype,
      ),
    slice: (x, { axis, length }) =>
      this.make(
        x.shape.map((d, k) => (k === axis ? length : d)),
        x.dtype,
      ),
    sliceBackward: (dy, { axis, size }) => this.make(dy.shape.map((d, k) => (k === axis ? size : d))),
    concat: (a, b, axis) => this.make(a.shape.map((d, k) => (k === axis ? d + b.shape[axis]! : d))),
    matmul: (_a, _b, spec) => this.make([...spec.batchShape, spec.m, spec.n]),
    layerNorm: (x) => ({ y: this.like(x), mean: this.make(x.shape.slice(0, -1)), rstd: this.make(x.shape.slice(0, -1)) }),
    layerNormBackward: (_dy, x, gamma) => ({ dx: this.like(x), dgamma: this.like(gamma), dbeta: this.like(gamma) }),
    softmax: (x) => this.like(x),
    softmaxBackward: (_dy, y) => this.like(y),
    crossEntropy: (logits) => ({ loss: this.make([]), logSumExp: this.make([logits.shape[0]!]) }),
    crossEntropyBackward: (logits) => this.like(logits),
    embedding: (table, ids) => this.make([...ids.shape, table.shape[1]!]),
    embeddingBackward: (dOut, _ids, vocabSize) => this.make([vocabSize, dOut.shape[dOut.rank - 1]!]),
    gelu: (x) => this.like(x),
    geluBackward: (_dy, x) => this.like(x),
    relu: (x) => this.like(x),
    reluBackward: (_dy, x) => this.like(x),
    tanh: (x) => this.like(x),
    tanhBackward: (_dy, x) => this.like(x),
    biasActivationBackward: (_dy, z) => ({ dz: this.like(z), dbias: this.make([z.shape[z.rank - 1]!]) }),
    sum: (x, axis) => this.make(x.shape.filter((_, i) => i !== axis)),
    globalNorm: () => this.make([]),
    adamwUpdate: () => {},
    sgdUpdate: () => {},
    clipByNorm: () => {},
    updateGuard: () => this.make([2]),
    dropout: (x) => this.like(x),
    dropoutBackward: (dy) => this.like(dy),
    attention: (q, _k, _v, spec) => ({ out: this.like(q), lse: this.make([spec.batch, spec.heads, spec.tq]) }),
    attentionBackward: (_dOut, q, k, v) => ({ dq: this.like(q), dk: this.like(k), dv: this.like(v) }),
    attentionWithProbabilities: (q, _k, _v, spec) => ({ out: this.like(q), probs: this.make([spec.batch, spec.heads, spec.tq, spec.tk]) }),
    attentionBackwardFromProbabilities: (_dOut, q, k, v) => ({ dq: this.like(q), dk: this.like(k), dv: this.like(v) }),
  };

  /** A meta tensor of `shape` and `dtype`. */
  make(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    return new Tensor(this, null, shape, dtype);
  }

  like(t: Tensor): Tensor {
    return this.make(t.shape, t.dtype);
  }

  stepValuesTensor(): Tensor {
    return this.make([8], 'u32');
  }

  tensor(): Tensor {
    throw new ShaderformerError('meta backend: tensors with values cannot be created while a graph is built');
  }

  zeros(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    return this.make(shape, dtype);
  }

  read(): Promise<never> {
    return Promise.reject(new ShaderformerError('meta backend: a graph value has no data until the graph runs'));
  }

  write(): void {
    throw new ShaderformerError('meta backend: a graph value has no storage to write');
  }

  release(): void {}

  stats() {
    return { liveBytes: 0, peakLiveBytes: 0 };
  }

  resetPeakStats(): void {}
  async sync(): Promise<void> {}

  destroy(): void {}
}

/** The one meta backend, used by every graph for shape inference. */
export const metaBackend = new MetaBackend();
