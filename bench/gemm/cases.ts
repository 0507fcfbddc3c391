// The GEMM cases, their operands and the CPU check.
//
// Naming: a case is `MxKxN` of a forward product C[M, N] = A[M, K] · B[K, N] (all row-major), so
// "512x768x3072" is X[512, 768] · W[768, 3072]. For Y = X·W the two backward products get the
// suffixes /dX and /dW and keep the operands as training stores them:
//   "<M>x<K>x<N>/dX": dX[M, K] = dY[M, N] · Wᵀ   (W stored [K, N]; product M×N×K, B transposed)
//   "<M>x<K>x<N>/dW": dW[K, N] = Xᵀ · dY[M, N]   (X stored [M, K]; product K×M×N, A transposed,
//                                                 inner dimension M = the tokens of the batch)
// All three have 2·M·K·N flops. "<M>x<K>x<N>/batch<B>" is B independent products of that shape in one
// call (operands [B, M, K] · [B, K, N]), 2·B·M·K·N flops, to compare the batched form with the plain one.

/** One product C[m, n] = op(A)[m, k] · op(B)[k, n], op = transpose when the flag is set. */
export interface GemmCase {
  case: string;
  m: number;
  k: number;
  n: number;
  /** A is stored [k, m] (the product reads Aᵀ). */
  transA: boolean;
  /** B is stored [n, k] (the product reads Bᵀ). */
  transB: boolean;
  /** Independent products in one call (1: a plain matrix product). */
  batch: number;
  detail: string;
}

function forward(m: number, k: number, n: number, what: string): GemmCase {
  return { case: `${m}x${k}x${n}`, m, k, n, transA: false, transB: false, batch: 1, detail: `C[${m},${n}] = A[${m},${k}]·B[${k},${n}]${what}` };
}

/** A forward product Y[M,N] = X[M,K]·W[K,N] and its two backward products. */
function withBackward(m: number, k: number, n: number, what: string): GemmCase[] {
  const name = `${m}x${k}x${n}`;
  return [
    forward(m, k, n, what),
    { case: `${name}/dX`, m, k: n, n: k, transA: false, transB: true, batch: 1, detail: `dX[${m},${k}] = dY[${m},${n}]·Wᵀ, W stored [${k},${n}]` },
    { case: `${name}/dW`, m: k, k: m, n, transA: true, transB: false, batch: 1, detail: `dW[${k},${n}] = Xᵀ·dY[${m},${n}], X stored [${m},${k}]` },
  ];
}

/** Square products, then BERT-base with a batch of 512 tokens (hidden 768, feed-forward 3072). */
export const gemmCases: GemmCase[] = [
  forward(256, 256, 256, ''),
  forward(512, 512, 512, ''),
  forward(1024, 1024, 1024, ''),
  { ...forward(512, 512, 512, ''), case: '512x512x512/batch4', batch: 4, detail: 'C[4,512,512] = A[4,512,512]·B[4,512,512] (batched)' },
  ...withBackward(512, 768, 768, ' (BERT-base attention projection)'),
  ...withBackward(512, 3072, 768, ' (BERT-base feed-forward out)'),
  ...withBackward(512, 768, 3072, ' (BERT-base feed-forward in)'),
];

/** The operands of a case as stored (A [m,k] or [k,m], B [k,n] or [n,k]), uniform in [-1, 1]. */
export interface GemmOperands {
  batch: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  a: Float32Array<ArrayBuffer>;
  b: Float32Array<ArrayBuffer>;
  /** Stored shapes of A and B ([batch, …] when batch > 1). */
  aShape: number[];
  bShape: number[];
}

export function makeOperands(c: GemmCase, random: () => number): GemmOperands {
  const fill = (size: number) => Float32Array.from({ length: size }, () => 2 * random() - 1);
  const batch = c.batch > 1 ? [c.batch] : [];
  return {
    batch: c.batch,
    m: c.m,
    k: c.k,
    n: c.n,
    transA: c.transA,
    transB: c.transB,
    a: fill(c.batch * c.m * c.k),
    b: fill(c.batch * c.k * c.n),
    aShape: [...batch, ...(c.transA ? [c.k, c.m] : [c.m, c.k])],
    bShape: [...batch, ...(c.transB ? [c.n, c.k] : [c.k, c.n])],
  };
}

/** The same product with both operands in plain layout (transposes materialised on the CPU). */
export function plainOperands(x: GemmOperands): GemmOperands {
  if (!x.transA && !x.transB) return x;
  if (x.batch > 1) throw new Error('plainOperands: batched cases are plain already');
  return {
    ...x,
    transA: false,
    transB: false,
    a: x.transA ? transpose(x.a, x.k, x.m) : x.a,
    b: x.transB ? transpose(x.b, x.n, x.k) : x.b,
    aShape: [x.m, x.k],
    bShape: [x.k, x.n],
  };
}

/** Transpose of a row-major [rows, cols] matrix. */
export function transpose(x: Float32Array, rows: number, cols: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j]!;
  return out;
}

/**
 * C = A·B in float64 for plain operands: the textbook sum reordered i-p-j so the inner loop
 * walks rows of B and C contiguously (the i-j-p `matmulReference` of src/reference/gemm.ts
 * computes the same sums but strides through B, far too slowly for the 1024 and BERT cases).
 */
export function gemmReference(x: GemmOperands): Float64Array {
  if (x.transA || x.transB) throw new Error('gemmReference: pass plainOperands()');
  const { batch, m, k, n, a, b } = x;
  const c = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const [aOff, bOff, cOff] = [t * m * k, t * k * n, t * m * n];
    for (let i = 0; i < m; i++) {
      const row = c.subarray(cOff + i * n, cOff + (i + 1) * n);
      for (let p = 0; p < k; p++) {
        const aip = a[aOff + i * k + p]!;
        const bRow = bOff + p * n;
        for (let j = 0; j < n; j++) row[j] = row[j]! + aip * b[bRow + j]!;
      }
    }
  }
  return c;
}

/** Largest |got − want|; NaN or a wrong length counts as infinite. */
export function maxAbsError(got: ArrayLike<number>, want: Float64Array): number {
  if (got.length < want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  return worst;
}

/**
 * The check's tolerance on maxAbsErr: 1e-6·K. With |a|, |b| ≤ 1 every partial sum is below K, and
 * f32 accumulation in any order (sequential, tiled, split-K) stays far below this: about 1e-5 at
 * K = 256 and 3e-4 at K = 3072 in practice. An f16 accumulation, a lost K-block or a wrong
 * transpose gives errors of order 1e-2 to 10 and fails.
 */
export function gemmTolerance(k: number): number {
  return 1e-6 * k;
}
