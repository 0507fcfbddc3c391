// safetensors from a Blob/File and a stream in a real page (Chromium) and in Node (Dawn): write
// with safetensorsBlob, read one tensor at a time straight into backend tensors, read back.
import { SafetensorsError, SafetensorsFile, type Tensor, safetensorsBlob, streamSink, writeSafetensors } from '../../src/index.js';
import { type CaseContext, defineSuite } from '../harness/cases.js';

const exact = { atol: 0, rtol: 0 };

function someTensors(ctx: CaseContext) {
  const shapes: [string, number[]][] = [
    ['embeddings.word_embeddings.weight', [50, 24]],
    ['encoder.layer.0.attention.self.query.bias', [24]],
    ['encoder.layer.0.intermediate.dense.weight', [96, 24]],
  ];
  return shapes.map(([name, shape]) => ({ name, shape, dtype: 'F32' as const, data: ctx.rng.nonZeroFloats(shape.reduce((a, d) => a * d, 1)) }));
}

export default defineSuite('io-safetensors', [
  {
    name: 'a File made by safetensorsBlob loads into GPU tensors one at a time, bit for bit',
    async run(ctx) {
      const tensors = someTensors(ctx);
      const blob = await safetensorsBlob(tensors, { format: 'pt' });
      const file = await SafetensorsFile.open(new File([blob], 'model.safetensors'));
      ctx.expectTrue('name', file.name === 'model.safetensors', `name ${file.name}`);
      ctx.expectTrue('metadata', file.metadata.format === 'pt', JSON.stringify(file.metadata));
      const before = ctx.gpu.stats().liveBytes;
      for await (const { name, entry, data } of file.tensors()) {
        const gpuTensor: Tensor = ctx.gpu.tensor(data, entry.shape);
        ctx.expectClose(name, await gpuTensor.data(), tensors.find((t) => t.name === name)!.data, exact);
        gpuTensor.dispose();
      }
      ctx.expectTrue('no GPU bytes left', ctx.gpu.stats().liveBytes === before, `live bytes ${before} -> ${ctx.gpu.stats().liveBytes}`);
      await file.close();
    },
  },
  {
    name: 'GPU tensors saved one at a time to a WritableStream read back as a forward-only Response stream',
    async run(ctx) {
      const tensors = someTensors(ctx);
      const onGpu = tensors.map((t) => ctx.gpu.tensor(t.data, t.shape));
      const chunks: Uint8Array[] = [];
      const stream = new WritableStream<Uint8Array>({ write: (chunk) => void chunks.push(chunk) });
      const written = await writeSafetensors(
        streamSink(stream),
        tensors.map((t, i) => ({ name: t.name, shape: t.shape, dtype: 'F32' as const, data: () => onGpu[i]!.data() as Promise<Float32Array> })),
      );
      for (const t of onGpu) t.dispose();
      const blob = new Blob(chunks as BlobPart[]);
      ctx.expectTrue('bytes written', blob.size === written, `${blob.size} vs ${written}`);
      // A Response with no URL: read as a stream, forward only.
      const response = new Response(blob.stream(), { headers: { 'content-length': String(blob.size) } });
      const file = await SafetensorsFile.open(response);
      for await (const { name, data } of file.tensors()) ctx.expectClose(name, data, tensors.find((t) => t.name === name)!.data, exact);
    },
  },
  {
    name: 'a malformed Blob is a SafetensorsError naming the tensor and the field',
    async run(ctx) {
      const header = new TextEncoder().encode('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}');
      const bytes = new Uint8Array(8 + header.length + 8);
      new DataView(bytes.buffer).setUint32(0, header.length, true);
      bytes.set(header, 8);
      const error = await SafetensorsFile.open(new File([bytes], 'bad.safetensors')).then(
        () => undefined,
        (e: unknown) => e,
      );
      ctx.expectTrue('class', error instanceof SafetensorsError, String(error));
      ctx.expectTrue('message', /bad\.safetensors, tensor "w", field data_offsets/.test(String(error)), String(error));
    },
  },
]);
