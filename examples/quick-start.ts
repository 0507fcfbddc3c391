// The first example: two small matrices, their product and a sum inside a scope, read back.
// It takes the backend, so the same code runs on WebGPU and on the CPU reference backend.
import { type Backend, add, matmul, scope } from 'shaderformer';

/** Multiplies a [2, 3] by a [3, 2] matrix and adds the product to itself: resolves to [8, 10, 20, 22]. */
export async function quickStart(backend: Backend): Promise<Float32Array> {
  const a = backend.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  const b = backend.tensor(new Float32Array([1, 0, 0, 1, 1, 1]), [3, 2]);

  // Everything created inside the scope is released, except what it returns.
  const c = scope(() => {
    const ab = matmul(a, b); // [2, 2]
    return add(ab, ab);
  });
  const values = (await c.data()) as Float32Array; // Float32Array [8, 10, 20, 22]

  for (const t of [a, b, c]) t.dispose();
  return values;
}
