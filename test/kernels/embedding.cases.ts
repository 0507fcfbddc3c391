import { embedding, embeddingBackward, gatherRows, gatherRowsBackward } from '../../src/index.js';
import { embeddingBackwardReference, embeddingReference } from '../../src/reference/embedding.js';
import { type CaseContext, type GpuCase, type Tolerance, defineSuite } from '../harness/cases.js';

// Tolerance 0 for both ops: the forward copies values; the backward adds each output element's
// contributions in increasing position order in f32, exactly as the reference does into a
// Float32Array (WGSL's f32 addition is correctly rounded), so the bits must match.
const EXACT: Tolerance = { atol: 0, rtol: 0 };

interface IdSpec {
  /** Ids are drawn from [0, distinct) (default: the whole vocabulary), so small values repeat ids. */
  distinct?: number;
  /** Positions replaced by ids outside [0, V). */
  outOfRange?: number;
  /** The last fraction of every row of the ids (the last dimension) is the padding id 0, as in a padded batch. */
  paddedFraction?: number;
}

const OUTSIDE = [-1, -(2 ** 31), 2 ** 31 - 1]; // plus V and V + 5

function makeIds(ctx: CaseContext, shape: number[], vocab: number, spec: IdSpec): Int32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const ids = new Int32Array(n);
  for (let p = 0; p < n; p++) ids[p] = Math.floor(ctx.rng.uniform(0, spec.distinct ?? vocab));
  const row = shape[shape.length - 1] ?? 1;
  if (spec.paddedFraction) for (let p = 0; p < n; p++) if (p % row >= row * (1 - spec.paddedFraction)) ids[p] = 0;
  const outside = [...OUTSIDE, vocab, vocab + 5];
  for (let k = 0; k < (spec.outOfRange ?? 0); k++) ids[Math.floor(ctx.rng.uniform(0, n))] = outside[k % outside.length]!;
  return ids;
}

function name(op: string, vocab: number, dim: number, shape: number[], spec: IdSpec, extra = ''): string {
  const parts = [`${op} V ${vocab}, D ${dim}, ids [${shape.join(', ')}]`];
  if (spec.distinct !== undefined) parts.push(`ids < ${spec.distinct} (repeated)`);
  if (spec.paddedFraction) parts.push(`${spec.paddedFraction * 100}% padding`);
  if (spec.outOfRange) parts.push(`${spec.outOfRange} ids out of range`);
  if (extra) parts.push(extra);
  return parts.join(', ');
}

/** embedding(table, ids) against the reference. */
function forwardCase(vocab: number, dim: number, shape: number[], spec: IdSpec = {}): GpuCase {
  return {
    name: name('embedding', vocab, dim, shape, spec),
    async run(ctx) {
      const table = ctx.rng.nonZeroFloats(vocab * dim);
      const ids = makeIds(ctx, shape, vocab, spec);
      const tTable = ctx.gpu.tensor(table, [vocab, dim]);
      const tIds = ctx.gpu.tensor(ids, shape);
      const out = embedding(tTable, tIds);
      ctx.expectTrue('shape', out.shape.join() === [...shape, dim].join(), `shape [${out.shape.join(', ')}]`);
      const got = await out.data();
      [tTable, tIds, out].forEach((t) => t.dispose());
      const want = new Float32Array(ids.length * dim);
      embeddingReference(table, ids, vocab, dim, want);
      ctx.expectClose('out', got, want, EXACT);
    },
  };
}

/** embeddingBackward(dOut, ids, V) against the reference, optionally twice to check the bits repeat. */
function backwardCase(vocab: number, dim: number, shape: number[], spec: IdSpec = {}, twice = false): GpuCase {
  return {
    name: name('embeddingBackward', vocab, dim, shape, spec, twice ? 'two runs agree to the bit' : ''),
    async run(ctx) {
      const ids = makeIds(ctx, shape, vocab, spec);
      const dOut = ctx.rng.nonZeroFloats(ids.length * dim);
      const tIds = ctx.gpu.tensor(ids, shape);
      const tdOut = ctx.gpu.tensor(dOut, [...shape, dim]);
      const runOnce = async () => {
        const dTable = embeddingBackward(tdOut, tIds, vocab);
        const got = await dTable.data();
        dTable.dispose();
        return got;
      };
      const got = await runOnce();
      if (twice) ctx.expectClose('dTable, second run', await runOnce(), got, EXACT);
      [tIds, tdOut].forEach((t) => t.dispose());
      const want = new Float32Array(vocab * dim);
      embeddingBackwardReference(dOut, ids, vocab, dim, want);
      ctx.expectClose('dTable', got, want, EXACT);
    },
  };
}

/**
 * gatherRows(x, index) and gatherRowsBackward(dOut, index, N) (the masked positions or [CLS] rows of
 * [B·T, D] hidden states) against the references, which are the embedding's with x as the table.
 */
function gatherRowsCase(rows: number, dim: number, count: number, spec: IdSpec = {}): GpuCase {
  return {
    name: name('gatherRows', rows, dim, [count], spec, 'forward and backward').replace(/^gatherRows V (\d+), D (\d+), ids/, 'gatherRows N $1, D $2, index'),
    async run(ctx) {
      const x = ctx.rng.nonZeroFloats(rows * dim);
      const index = makeIds(ctx, [count], rows, spec);
      const dOut = ctx.rng.nonZeroFloats(count * dim);
      const tx = ctx.gpu.tensor(x, [rows, dim]);
      const tIndex = ctx.gpu.tensor(index, [count], 'i32');
      const tdOut = ctx.gpu.tensor(dOut, [count, dim]);
      const out = gatherRows(tx, tIndex);
      const dx = gatherRowsBackward(tdOut, tIndex, rows);
      ctx.expectTrue('shapes', out.shape.join() === `${count},${dim}` && dx.shape.join() === `${rows},${dim}`, `out [${out.shape}], dx [${dx.shape}]`);
      const [gotOut, gotDx] = [await out.data(), await dx.data()];
      [tx, tIndex, tdOut, out, dx].forEach((t) => t.dispose());
      const wantOut = new Float32Array(count * dim);
      embeddingReference(x, index, rows, dim, wantOut);
      const wantDx = new Float32Array(rows * dim);
      embeddingBackwardReference(dOut, index, rows, dim, wantDx);
      ctx.expectClose('out', gotOut, wantOut, EXACT);
      ctx.expectClose('dx', gotDx, wantDx, EXACT);
    },
  };
}

export default defineSuite('embedding', [
  forwardCase(1, 1, [1]),
  forwardCase(7, 33, [5, 7]),
  forwardCase(100, 129, [3, 11], { outOfRange: 7 }),
  forwardCase(50, 768, [257]),
  forwardCase(30522, 64, [4, 128], { paddedFraction: 0.25 }),
  forwardCase(9, 5, []),
  // More workgroups than one grid dimension allows (65,535 × 256 elements): the 2-D dispatch path.
  forwardCase(10, 1024, [16400], { outOfRange: 3 }),

  backwardCase(1, 1, [1]),
  backwardCase(7, 33, [5, 7]),
  backwardCase(100, 129, [3, 11], { outOfRange: 7 }),
  backwardCase(5, 65, [1000], { distinct: 3 }), // every id hundreds of times; ids 3 and 4 unused
  backwardCase(600, 70, [333], { outOfRange: 5 }), // 3 vocabulary blocks × 2 column blocks, both partial
  backwardCase(300, 768, [257], { distinct: 40 }),
  backwardCase(30522, 128, [8, 256], { paddedFraction: 0.25 }, true),
  backwardCase(9, 5, []),

  gatherRowsCase(1, 1, 1),
  gatherRowsCase(33, 7, 5),
  gatherRowsCase(129, 257, 19, { distinct: 7 }), // rows gathered several times: their cotangents add
  gatherRowsCase(4 * 128, 768, 77), // the masked rows of a [4·128, 768] batch
  gatherRowsCase(8 * 72 + 8, 32, 8 * 72, { distinct: 300 }), // a decoding step's cache rows (D 32: vec4s)
  gatherRowsCase(257, 33, 31, { outOfRange: 3 }), // zero rows out, nothing added back
]);
