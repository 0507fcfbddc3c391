// The peer: @jax-js/jax, browser only. Its `nn.dotProductAttention` (GEMM, softmax, GEMM, fused by
// its JIT where it can) differentiated with `vjp`, the forward and backward compiled together by `jit`.
// jax-js takes [B, T, H, Dh]: the inputs are transposed on the CPU before upload (untimed), and the
// outputs transposed back before the check.
import { blockUntilReady, defaultDevice, init as initJax, jit, nn, numpy as np, vjp } from '@jax-js/jax';
import type { AttentionImpl, PreparedAttention } from './bench.js';

let jaxReady: Promise<void> | undefined;
const ready = () =>
  (jaxReady ??= (async () => {
    const devices = await initJax('webgpu');
    if (!devices.includes('webgpu')) throw new Error('@jax-js/jax: no webgpu device');
    defaultDevice('webgpu');
  })());

/** [B, X, Y, D] → [B, Y, X, D]: swaps the middle two axes (its own inverse up to the shape). */
function swapMiddle(values: Float32Array, b: number, x: number, y: number, d: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(b * x * y * d);
  for (let i = 0; i < b; i++)
    for (let u = 0; u < x; u++)
      for (let w = 0; w < y; w++) {
        const from = ((i * x + u) * y + w) * d;
        out.set(values.subarray(from, from + d), ((i * y + w) * x + u) * d);
      }
  return out;
}

type Result = np.Array[];

const jax: AttentionImpl = {
  impl: '@jax-js/jax',
  async prepare(x): Promise<PreparedAttention<Result>> {
    await ready();
    const { b, h, t, dh } = x.spec;
    const upload = async (values: Float32Array) => np.array(swapMiddle(values, b, h, t, dh), { shape: [b, t, h, dh], dtype: np.float32 }).blockUntilReady();
    const [q, k, v, dOut] = await Promise.all([x.q, x.k, x.v, x.dOut].map(upload));
    const step = jit((qq: np.Array, kk: np.Array, vv: np.Array, g: np.Array) => {
      const [out, back] = vjp((a: np.Array, c: np.Array, e: np.Array) => nn.dotProductAttention(a, c, e), [qq, kk, vv]);
      const [dq, dk, dv] = back(g);
      return [out, dq, dk, dv];
    });
    const back = async (a: np.Array) => swapMiddle((await a.data()) as Float32Array, b, t, h, dh); // data() consumes the array
    return {
      launch: () => step(q!.ref, k!.ref, v!.ref, dOut!.ref) as Result,
      wait: async (results) => void (await blockUntilReady(results.flat())),
      dispose: (results) => results.flat().forEach((a) => a.dispose()),
      async read(result) {
        const [out, dq, dk, dv] = await Promise.all(result.map(back));
        return { out: out!, dq: dq!, dk: dk!, dv: dv! };
      },
      release() {
        [q, k, v, dOut].forEach((a) => a!.dispose());
        step.dispose();
      },
    };
  },
};

export const peerAttentionImpls: AttentionImpl[] = [jax];
