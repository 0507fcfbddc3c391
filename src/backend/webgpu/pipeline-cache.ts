import type { BindingKind, RenderedKernel } from '../../kernels/kernel.js';
import { ShaderStage } from './gpu-constants.js';

/** A compiled kernel variant: its pipeline and the bind group layout its bindings declare. */
export interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

const BUFFER_TYPE: Record<BindingKind, GPUBufferBindingType> = {
  'read-only-storage': 'read-only-storage',
  storage: 'storage',
  uniform: 'uniform',
};

/**
 * Compiles each distinct shader text once. The layout is built from the kernel's declared
 * bindings (not `layout: 'auto'`), so a TS declaration that disagrees with the WGSL fails loudly.
 */
export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #pipelines = new Map<string, CachedPipeline>();
  readonly #onCompileError: (kernel: string, message: string) => void;
  /** Pipelines compiled so far. */
  misses = 0;
  /** Lookups served from the cache. */
  hits = 0;

  constructor(device: GPUDevice, onCompileError: (kernel: string, message: string) => void) {
    this.#device = device;
    this.#onCompileError = onCompileError;
  }

  /** The pipeline for a rendered kernel, compiling it on first use. */
  get(kernel: RenderedKernel): CachedPipeline {
    const cached = this.#pipelines.get(kernel.code);
    if (cached) {
      this.hits++;
      return cached;
    }
    this.misses++;
    const module = this.#device.createShaderModule({ code: kernel.code, label: kernel.name });
    // Compilation messages arrive asynchronously; errors are reported with the kernel's name.
    module.getCompilationInfo?.().then(
      (info) => {
        const errors = info.messages.filter((m) => m.type === 'error');
        if (errors.length > 0) {
          this.#onCompileError(kernel.name, errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n'));
        }
      },
      () => {},
    );
    const layout = this.#device.createBindGroupLayout({
      label: kernel.name,
      entries: kernel.bindings.map((binding, index) => ({
        binding: index,
        visibility: ShaderStage.COMPUTE,
        buffer: { type: BUFFER_TYPE[binding.kind] },
      })),
    });
    const pipeline = this.#device.createComputePipeline({
      label: kernel.name,
      layout: this.#device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    const entry = { pipeline, layout };
    this.#pipelines.set(kernel.code, entry);
    return entry;
  }

  /** Number of distinct pipelines compiled. */
  get size(): number {
    return this.#pipelines.size;
  }
}
