// The three peer libraries, browser only. Each gets the operands in the layout of the case (they all
// take transposed operands natively), uploads them before timing, launches products without waiting,
// and waits with its own completion call.
import { blockUntilReady, defaultDevice, init as initJax, numpy as np } from '@jax-js/jax';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import * as ort from 'onnxruntime-web/webgpu';
import type { GemmImpl, PreparedGemm } from './bench.js';
import { gemmModel } from './onnx-model.js';

/** Runs `start` once and shares its promise. */
function once<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => (started ??= start());
}

const jaxReady = once(async () => {
  const devices = await initJax('webgpu');
  if (!devices.includes('webgpu')) throw new Error('@jax-js/jax: no webgpu device');
  defaultDevice('webgpu');
});

/** @jax-js/jax: `np.matmul` on lazily transposed views; arrays are moved, so every use takes `.ref`. */
const jax: GemmImpl = {
  impl: '@jax-js/jax',
  transposes: true,
  async prepare(x): Promise<PreparedGemm<np.Array>> {
    await jaxReady();
    const a = await np.array(x.a, { shape: x.aShape, dtype: np.float32 }).blockUntilReady();
    const b = await np.array(x.b, { shape: x.bShape, dtype: np.float32 }).blockUntilReady();
    return {
      launch: () => np.matmul(x.transA ? a.ref.transpose() : a.ref, x.transB ? b.ref.transpose() : b.ref),
      // Lazy arrays: this dispatches the pending kernels, then waits with a zero-byte read each.
      wait: async (results) => void (await blockUntilReady(results)),
      dispose: (results) => results.forEach((c) => c.dispose()),
      read: async (c) => (await c.data()) as Float32Array, // data() consumes the array
      release() {
        a.dispose();
        b.dispose();
      },
    };
  },
};

const tfReady = once(async () => {
  if (!(await tf.setBackend('webgpu'))) throw new Error('@tensorflow/tfjs-backend-webgpu: setBackend failed');
  await tf.ready();
});

/** @tensorflow/tfjs-backend-webgpu: `tf.matMul` with its transpose flags. */
const tfjs: GemmImpl = {
  impl: '@tensorflow/tfjs-backend-webgpu',
  transposes: true,
  async prepare(x): Promise<PreparedGemm<tf.Tensor>> {
    await tfReady();
    const a = tf.tensor(x.a, x.aShape, 'float32');
    const b = tf.tensor(x.b, x.bShape, 'float32');
    return {
      launch: () => tf.matMul(a, b, x.transA, x.transB),
      // tfjs has no public completion call: read one element of the last product, which submits the
      // queued work and resolves after it (queue order).
      wait: async (results) => {
        const last = results[results.length - 1]!;
        const probe = tf.slice(
          last,
          last.shape.map(() => 0),
          last.shape.map(() => 1),
        );
        await probe.data();
        probe.dispose();
      },
      dispose: (results) => results.forEach((c) => c.dispose()),
      read: async (c) => {
        const values = await c.data();
        c.dispose();
        return values;
      },
      release() {
        a.dispose();
        b.dispose();
      },
    };
  },
};

const ortReady = once(async () => {
  // No network and no cross-origin isolation: one thread, and the .wasm the bench server copies to /ort/.
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = new URL('ort/', location.href).href;
  ort.env.logLevel = 'error';
});

type OrtOutput = ort.Tensor;

/** onnxruntime-web on its WebGPU execution provider: a one-node MatMul/Gemm model, inputs and outputs on the GPU. */
const onnxruntime: GemmImpl = {
  impl: 'onnxruntime-web',
  transposes: true,
  async prepare(x): Promise<PreparedGemm<OrtOutput>> {
    await ortReady();
    const model = gemmModel(x.aShape, x.bShape, [...(x.batch > 1 ? [x.batch] : []), x.m, x.n], x.transA, x.transB);
    const session = await ort.InferenceSession.create(model, {
      executionProviders: ['webgpu'],
      preferredOutputLocation: 'gpu-buffer',
    });
    const device = (await ort.env.webgpu.device) as GPUDevice;
    const upload = (values: Float32Array<ArrayBuffer>, dims: number[]) => {
      const buffer = device.createBuffer({ size: values.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(buffer, 0, values);
      return { buffer, tensor: ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims }) };
    };
    const a = upload(x.a, x.aShape);
    const b = upload(x.b, x.bShape);
    await device.queue.onSubmittedWorkDone();
    return {
      launch: async () => (await session.run({ A: a.tensor, B: b.tensor })).Y!,
      // session.run submits its commands before it resolves; wait for the device queue.
      wait: () => device.queue.onSubmittedWorkDone(),
      dispose: (results) => results.forEach((y) => y.dispose()),
      read: async (y) => (await y.getData(true)) as Float32Array,
      release() {
        void session.release();
        a.buffer.destroy();
        b.buffer.destroy();
      },
    };
  },
};

export const peerGemmImpls: GemmImpl[] = [jax, tfjs, onnxruntime];
