// The WebGPU runtime itself: pool, scopes, poisoning, batching, pipeline cache, device loss.
import { DeviceLostError, DisposedTensorError, Tensor, add, createWebGPUBackend, matmul, mul, scope } from '../../src/index.js';
import { DTYPES } from '../../src/tensor/dtype.js';
import type { GpuStorage } from '../../src/kernels/kernel.js';
import { defineSuite } from '../harness/cases.js';

const exact = { atol: 0, rtol: 0 };

export default defineSuite('runtime', [
  {
    name: 'pool: 100 runs of the same ops leave live bytes and buffer count flat after the first',
    async run(ctx) {
      const { gpu, rng } = ctx;
      const a = gpu.tensor(rng.nonZeroFloats(33 * 17), [33, 17]);
      const b = gpu.tensor(rng.nonZeroFloats(17 * 9), [17, 9]);
      const live: number[] = [];
      const created: number[] = [];
      for (let i = 0; i < 100; i++) {
        // matmul, then elementwise ops on its result; only the final tensor escapes the scope.
        const out = scope(() => {
          const c = matmul(a, b);
          return mul(add(c, c), c);
        });
        if (i % 10 === 0) await out.data();
        out.dispose();
        gpu.flush();
        const stats = gpu.stats();
        live.push(stats.liveBytes);
        created.push(stats.createdBuffers);
      }
      ctx.expectTrue(
        'live bytes',
        live.every((v) => v === live[0]),
        `liveBytes per run: ${[...new Set(live)].join(', ')}`,
      );
      ctx.expectTrue(
        'buffers created',
        created.every((v) => v === created[0]),
        `createdBuffers per run: ${[...new Set(created)].join(', ')}`,
      );
      a.dispose();
      b.dispose();
    },
  },
  {
    name: 'pool: disposing every tensor returns live bytes to where they started',
    async run(ctx) {
      const { gpu, rng } = ctx;
      const before = gpu.stats().liveBytes;
      const t = gpu.tensor(rng.nonZeroFloats(1000), [10, 100]);
      const u = add(t, t);
      ctx.expectTrue('grew', gpu.stats().liveBytes > before, 'allocations did not show in liveBytes');
      t.dispose();
      u.dispose();
      ctx.expectTrue('back', gpu.stats().liveBytes === before, `liveBytes ${gpu.stats().liveBytes}, was ${before}`);
    },
  },
  {
    name: 'scope: disposes intermediates, returns results (also nested in arrays and objects)',
    async run(ctx) {
      const { gpu, rng } = ctx;
      const x = gpu.tensor(rng.nonZeroFloats(8), [8]);
      let inner: Tensor | undefined;
      const result = scope(() => {
        inner = add(x, x);
        const kept = mul(inner, x);
        return { list: [kept], n: 1 };
      });
      const kept = result.list[0]!;
      ctx.expectTrue('intermediate disposed', inner!.disposed, 'the intermediate survived its scope');
      ctx.expectTrue('result alive', !kept.disposed && !x.disposed, 'a returned or outer tensor was disposed');
      const xs = await x.data();
      ctx.expectClose(
        'result',
        await kept.data(),
        xs.map((v) => Math.fround(Math.fround(v + v) * v)),
        exact,
      );
      kept.dispose();
      x.dispose();
    },
  },
  {
    name: 'dispose: using a disposed tensor throws DisposedTensorError naming the op',
    async run(ctx) {
      const t = ctx.gpu.tensor([1, 2, 3], [3]);
      t.dispose();
      t.dispose(); // twice is harmless
      let message = '';
      try {
        add(t, t);
      } catch (error) {
        message = error instanceof DisposedTensorError ? error.message : `wrong error: ${String(error)}`;
      }
      ctx.expectTrue('add', /^add: .*disposed/.test(message), `got "${message}"`);
      let readError: unknown;
      await t.data().catch((error: unknown) => (readError = error));
      ctx.expectTrue('data', readError instanceof DisposedTensorError, `data() after dispose: ${String(readError)}`);
    },
  },
  {
    name: 'poisonOutputs: an output no kernel writes reads back as NaN',
    async run(ctx) {
      const { gpu } = ctx;
      const storage: GpuStorage = gpu.allocate([5], 'f32', 'test');
      const t = new Tensor(gpu, storage, [5], 'f32');
      const values = await t.data();
      t.dispose();
      ctx.expectTrue('NaN', values.every(Number.isNaN), `got ${Array.from(values).join(', ')}`);
    },
  },
  {
    name: 'tensor: upload and readback round-trip for every dtype, zeros, odd f16 counts',
    async run(ctx) {
      const { gpu, rng } = ctx;
      for (const dtype of DTYPES) {
        if (dtype === 'f16' && !gpu.device.features.has('shader-f16')) continue;
        const values =
          dtype === 'i32'
            ? Int32Array.from(rng.nonZeroInts(7, -1e9, 1e9))
            : dtype === 'u32'
              ? Uint32Array.from(rng.nonZeroInts(7, 1, 4e9))
              : Float32Array.from([1, -2, 0.5, 65504, -0.25, 3, 1024]);
        const t = gpu.tensor(values, [7], dtype);
        ctx.expectClose(`${dtype} round-trip`, await t.data(), values, exact);
        t.dispose();
        const z = gpu.zeros([3, 3], dtype);
        ctx.expectClose(`${dtype} zeros`, await z.data(), new Float32Array(9), exact);
        z.dispose();
      }
    },
  },
  {
    name: 'f16: without shader-f16 an f16 tensor is refused with a clear error',
    async run(ctx) {
      if (ctx.gpu.device.features.has('shader-f16')) return ctx.skip('adapter has shader-f16; the refusal path does not apply');
      let message = '';
      try {
        ctx.gpu.tensor([1, 2], [2], 'f16');
      } catch (error) {
        message = String(error);
      }
      ctx.expectTrue('error', message.includes('shader-f16'), `got "${message}"`);
    },
  },
  {
    name: 'batching: 300 dispatches go out in a few submits; the pipeline compiles once',
    async run(ctx) {
      const { gpu, rng } = ctx;
      gpu.flush();
      const x = gpu.tensor(rng.nonZeroFloats(64), [64]);
      const before = gpu.stats();
      const y = scope(() => {
        let acc = add(x, x);
        for (let i = 1; i < 300; i++) acc = add(acc, x);
        return acc;
      });
      const got = await y.data();
      const after = gpu.stats();
      ctx.expectTrue('dispatches', after.dispatches - before.dispatches === 300, `${after.dispatches - before.dispatches} dispatches`);
      ctx.expectTrue('submits', after.submits - before.submits <= 4, `${after.submits - before.submits} submits for 300 dispatches`);
      ctx.expectTrue('pipelines', after.pipelines - before.pipelines <= 1, `${after.pipelines - before.pipelines} new pipelines`);
      const xs = await x.data();
      const want = xs.map((v) => {
        let acc = Math.fround(v + v);
        for (let i = 1; i < 300; i++) acc = Math.fround(acc + v);
        return acc;
      });
      ctx.expectClose('sum', got, want, exact);
      x.dispose();
      y.dispose();
    },
  },
  {
    name: 'device loss: a DeviceLostError and a lost event, never a hang',
    async run(ctx) {
      // A backend of its own: the shared one must survive this case.
      const own = await createWebGPUBackend();
      const events: DeviceLostError[] = [];
      own.on('lost', (e) => events.push(e));
      const t = own.tensor(ctx.rng.nonZeroFloats(1024), [1024]);
      const pending = add(t, t).data();
      own.device.destroy();
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('hang: no answer in 5 s'), 5000));
      const outcome = await Promise.race([
        pending.then(
          () => 'resolved', // the read may win the race with the loss; then the next op must fail
          (error: unknown) => (error instanceof DeviceLostError ? 'lost' : `wrong error: ${String(error)}`),
        ),
        timeout,
      ]);
      ctx.expectTrue('pending read', outcome === 'lost' || outcome === 'resolved', outcome);
      await Promise.race([own.device.lost, timeout]);
      ctx.expectTrue('event', events.length === 1 && events[0]!.reason === 'destroyed', `events: ${events.map(String).join('; ')}`);
      let next = '';
      try {
        add(t, t);
      } catch (error) {
        next = error instanceof DeviceLostError ? 'lost' : String(error);
      }
      ctx.expectTrue('op after loss', next === 'lost', `add after loss: ${next || 'no error'}`);
      const read = await Promise.race([
        t.data().then(
          () => 'resolved',
          (e: unknown) => (e instanceof DeviceLostError ? 'lost' : String(e)),
        ),
        timeout,
      ]);
      ctx.expectTrue('read after loss', read === 'lost', `data() after loss: ${read}`);
    },
  },
]);
