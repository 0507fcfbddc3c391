// The layout's rules as checks over the import graph (type-only imports count too). Run by
// test/architecture.test.ts and `npx depcruise src`; docs/architecture.md explains the layers.
const layer = (...names) => `^src/(${names.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle hides which layer depends on which; break it with a type of its own or a smaller file.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'references-stand-alone',
      severity: 'error',
      comment: 'CPU references are plain loops written from the math: they import only each other and the neutral RNG.',
      from: { path: layer('reference') },
      to: { pathNot: [layer('reference', 'random')] },
    },
    {
      name: 'kernels-know-no-model',
      severity: 'error',
      comment: 'A kernel knows its shader, its bindings and its CPU reference, never the graph, a layer or a model.',
      from: { path: layer('kernels') },
      to: { path: layer('nn', 'models', 'graph', 'train', 'optim', 'ops', 'data', 'tokenizers', 'io', 'recipes', 'infer', 'metrics') },
    },
    {
      name: 'shaders-belong-to-kernels',
      severity: 'error',
      comment: 'Only the kernel definitions (src/kernels) load .wgsl files.',
      from: { pathNot: '^src/kernels/' },
      to: { path: '\\.wgsl$' },
    },
    {
      name: 'text-and-data-need-no-gpu',
      severity: 'error',
      comment: 'Tokenizers and data pipelines run in a page, a worker or Node with no backend at all.',
      from: { path: layer('tokenizers', 'data') },
      to: { path: layer('backend', 'kernels', 'ops', 'graph', 'nn', 'models', 'train', 'optim', 'tensor') },
    },
    {
      name: 'metrics-need-no-gpu',
      severity: 'error',
      comment: 'Metrics (MCC, accuracy, the unigram baseline, fixed masked sets) are plain arithmetic over arrays: no backend, graph or model.',
      from: { path: layer('metrics') },
      to: { path: layer('backend', 'kernels', 'ops', 'graph', 'nn', 'models', 'train', 'optim', 'tensor', 'infer', 'recipes') },
    },
    {
      name: 'io-needs-no-backend',
      severity: 'error',
      comment: 'Reading and writing weight files (src/io) runs in a page, a worker or Node with no backend, graph or model.',
      from: { path: layer('io') },
      to: { path: layer('backend', 'kernels', 'ops', 'graph', 'nn', 'models', 'train', 'optim', 'tokenizers', 'data') },
    },
    {
      name: 'graph-has-no-webgpu',
      severity: 'error',
      comment: 'The graph (ops, autograd, executor) runs on any backend through the backend contract.',
      from: { path: layer('graph') },
      to: { path: ['^src/backend/(webgpu|cpu)/', layer('kernels')] },
    },
    {
      name: 'webgpu-stays-in-its-backend',
      severity: 'error',
      comment: 'Only the WebGPU backend (and the package entry that exports it) touches WebGPU code.',
      from: { path: '^src/', pathNot: ['^src/backend/webgpu/', '^src/index\\.ts$'] },
      to: { path: '^src/backend/webgpu/' },
    },
    {
      name: 'ops-call-the-contract',
      severity: 'error',
      comment: 'The checked op functions reach backends only through the contract (opsOf), never a concrete backend.',
      from: { path: layer('ops') },
      to: { path: ['^src/backend/(webgpu|cpu)/', layer('kernels', 'graph', 'nn', 'models', 'train')] },
    },
    {
      name: 'contract-is-abstract',
      severity: 'error',
      comment: 'The backend contract names no concrete backend.',
      from: { path: '^src/backend/(contract|tensor-data)\\.ts$' },
      to: { path: ['^src/backend/(webgpu|cpu)/', layer('kernels', 'ops', 'graph')] },
    },
    {
      name: 'layers-point-down',
      severity: 'error',
      comment: 'train → models → nn → graph → ops → backend: a lower layer never imports a higher one.',
      from: { path: layer('graph', 'ops', 'backend', 'tensor', 'optim') },
      to: { path: layer('nn', 'models', 'train', 'recipes', 'infer') },
    },
    {
      name: 'models-run-no-pipeline',
      severity: 'error',
      comment: 'Inference (src/infer: the runner, fill-mask) sits on top like train: models and layers never import it.',
      from: { path: layer('nn', 'models', 'train', 'tokenizers', 'data') },
      to: { path: layer('infer') },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^node_modules' },
  },
};
