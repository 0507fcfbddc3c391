import { type DropoutOptions, Tensor, dropout, dropoutBackward } from '../../src/index.js';
import { encodePhilox } from '../../src/kernels/philox.js';
import { dropoutBackwardReference, dropoutMaskReference, dropoutReference, philoxReference } from '../../src/reference/dropout.js';
import { type CaseContext, type GpuCase, type Tolerance, defineSuite } from '../harness/cases.js';
import { PHILOX_KNOWN_ANSWERS } from '../harness/philox-known-answers.js';

// The mask must match the reference bit for bit (both compare the same Philox words with the same
// integer threshold), so it is checked exactly: y[i] ≠ 0 ⇔ kept, as inputs are never 0.
// Kept values: the GPU multiplies by 1/(1 − p) rounded to f32, the reference by the double, then
// rounds once: at most 2^-23 + 2^-24 apart relative, so rtol 2^-22, atol 0.
const VALUE_TOLERANCE: Tolerance = { atol: 0, rtol: 2 ** -22 };

const keyOf = (seed: DropoutOptions['seed']): [number, number] => (typeof seed === 'number' ? [seed, 0] : [seed[0], seed[1]]);

/** Checks that the zero pattern of `y` is exactly `keep`, naming the first disagreement. */
function expectMask(ctx: CaseContext, label: string, y: ArrayLike<number>, keep: Uint8Array): void {
  let first = -1;
  let count = 0;
  for (let i = 0; i < keep.length; i++) {
    if ((y[i] !== 0) !== (keep[i] === 1) || Number.isNaN(y[i])) {
      if (first < 0) first = i;
      count++;
    }
  }
  ctx.expectTrue(
    label,
    count === 0,
    `${count} of ${keep.length} elements disagree with the reference mask; first at [${first}]: got ${y[first]}, keep ${keep[first]}`,
  );
}

/** Forward and backward against the reference: exact mask, values, and the same mask for both. */
function dropoutCase(shape: number[], options: DropoutOptions, checkFraction = false): GpuCase {
  const { p, seed, offset = 0 } = options;
  return {
    name: `dropout [${shape.join(', ')}] p ${p} seed ${JSON.stringify(seed)} offset ${offset}`,
    async run(ctx) {
      const n = shape.reduce((a, b) => a * b, 1);
      const key = keyOf(seed);
      const x = ctx.rng.nonZeroFloats(n);
      const dy = ctx.rng.nonZeroFloats(n);
      const xt = ctx.gpu.tensor(x, shape);
      const dyt = ctx.gpu.tensor(dy, shape);
      const yt = dropout(xt, options);
      const dxt = dropoutBackward(dyt, options);
      const [y, dx] = [(await yt.data()) as Float32Array, (await dxt.data()) as Float32Array];
      [xt, dyt, yt, dxt].forEach((t) => t.dispose());

      const keep = new Uint8Array(n);
      dropoutMaskReference(n, p, key, offset, keep);
      expectMask(ctx, 'forward mask', y, keep);
      expectMask(ctx, 'backward mask (same as forward)', dx, keep);
      const wantY = new Float32Array(n);
      dropoutReference(x, p, key, offset, wantY);
      ctx.expectClose('y', y, wantY, VALUE_TOLERANCE);
      const wantDx = new Float32Array(n);
      dropoutBackwardReference(dy, p, key, offset, wantDx);
      ctx.expectClose('dx', dx, wantDx, VALUE_TOLERANCE);
      if (checkFraction) {
        const kept = y.reduce((sum, v) => sum + (v !== 0 ? 1 : 0), 0) / n;
        const error = Math.sqrt((p * (1 - p)) / n);
        ctx.expectTrue('kept fraction', Math.abs(kept - (1 - p)) < 5 * error, `kept ${kept}, expected ${1 - p} ± 5·${error.toExponential(2)}`);
      }
    },
  };
}

const identityCase: GpuCase = {
  name: 'dropout p 0 is the identity',
  async run(ctx) {
    const x = ctx.rng.nonZeroFloats(1000);
    const xt = ctx.gpu.tensor(x, [10, 100]);
    const yt = dropout(xt, { p: 0, seed: 123, offset: 5 });
    ctx.expectClose('y', await yt.data(), x, { atol: 0, rtol: 0 });
    [xt, yt].forEach((t) => t.dispose());
  },
};

const differentMasksCase: GpuCase = {
  name: 'dropout: other seeds and offsets give other masks',
  async run(ctx) {
    const n = 4096;
    const ones = ctx.gpu.tensor(new Float32Array(n).fill(1), [n]);
    const maskOf = async (options: DropoutOptions) => {
      const y = dropout(ones, options);
      const data = (await y.data()) as Float32Array;
      y.dispose();
      return data.map((v) => (v !== 0 ? 1 : 0));
    };
    const base = await maskOf({ p: 0.5, seed: 1 });
    const others: [string, DropoutOptions][] = [
      ['seed 2', { p: 0.5, seed: 2 }],
      ['seed [1, 1]', { p: 0.5, seed: [1, 1] }],
      ['offset 1', { p: 0.5, seed: 1, offset: 1 }],
      ['offset n', { p: 0.5, seed: 1, offset: n }],
    ];
    for (const [label, options] of others) {
      const other = await maskOf(options);
      // Independent masks at p = 0.5 disagree on half the elements.
      const differing = other.reduce((sum, k, i) => sum + (k !== base[i] ? 1 : 0), 0) / n;
      ctx.expectTrue(label, differing > 0.4, `${(differing * 100).toFixed(1)}% of the mask differs from seed 1 offset 0`);
    }
    const again = await maskOf({ p: 0.5, seed: 1 });
    ctx.expectTrue(
      'reproducible',
      again.every((k, i) => k === base[i]),
      'the same (seed, offset) gave another mask',
    );
    ones.dispose();
  },
};

// The WGSL Philox on its own: Random123's known answers, then random counters and keys.
const philoxCase: GpuCase = {
  name: 'philox4x32-10 known answers and random blocks',
  async run(ctx) {
    const known = PHILOX_KNOWN_ANSWERS;
    const n = known.length + 1000;
    const word = () => Math.floor(ctx.rng.next() * 2 ** 32);
    const counters = Uint32Array.from({ length: 4 * n }, word);
    const keys = Uint32Array.from({ length: 2 * n }, word);
    known.forEach(([counter, key], i) => {
      counters.set(counter!, 4 * i);
      keys.set(key!, 2 * i);
    });
    const countersT = ctx.gpu.tensor(counters, [n, 4], 'u32');
    const keysT = ctx.gpu.tensor(keys, [n, 2], 'u32');
    const blocks = new Tensor(ctx.gpu, ctx.gpu.allocate([n, 4], 'u32', 'philox'), [n, 4], 'u32');
    encodePhilox(ctx.gpu, countersT.storage('philox'), keysT.storage('philox'), blocks.storage('philox'), n);
    const got = await blocks.data();
    [countersT, keysT, blocks].forEach((t) => t.dispose());
    ctx.expectClose(
      'known answers',
      got.subarray(0, 4 * known.length),
      known.flatMap(([, , want]) => want!),
      { atol: 0, rtol: 0 },
    );
    const want = new Uint32Array(4 * n);
    philoxReference(counters, keys, want);
    ctx.expectClose('random blocks', got, want, { atol: 0, rtol: 0 });
  },
};

export default defineSuite('dropout', [
  philoxCase,
  // Sizes and offsets that are not multiples of 4: blocks shared by two elements' ends.
  ...[1, 2, 3, 5, 7, 33, 129, 257].map((n) => dropoutCase([n], { p: 0.5, seed: 42, offset: n % 4 })),
  dropoutCase([3, 5, 7], { p: 0.1, seed: [0xdeadbeef, 0x01234567], offset: 0 }),
  dropoutCase([1023], { p: 0.9, seed: 0xffffffff, offset: 7 }),
  // The counter's low word wraps into the high word inside the tensor.
  dropoutCase([4099], { p: 0.3, seed: 5, offset: 4 * (2 ** 32 - 1) - 2001 }),
  // Offsets near the top of the range: the high counter word is large.
  dropoutCase([65], { p: 0.3, seed: [9, 9], offset: 2 ** 53 - 4096 - 3 }),
  identityCase,
  differentMasksCase,
  // 1e6 elements (a [batch · seq, hidden] activation in size): kept fraction and exact mask.
  dropoutCase([1000, 1000], { p: 0.1, seed: 2025, offset: 12345 }, true),
]);
