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

interface Entry {
  readonly kernel: RenderedKernel;
  readonly layout: GPUBindGroupLayout;
  pipeline?: GPUComputePipeline;
  pending?: Promise<GPUComputePipeline>;
}

/**
 * Compiles each distinct shader text once. The layout is built from the kernel's declared
 * bindings (not `layout: 'auto'`), so a TS declaration that disagrees with the WGSL fails loudly,
 * and so a recorded program can make its bind groups before any pipeline exists. Eager ops
 * compile on first use (`get`); a recorded program compiles ahead with `compileAsync`
 * (`createComputePipelineAsync`: the browser compiles off the main thread, in parallel).
 */
export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #entries = new Map<string, Entry>();
  readonly #onCompileError: (kernel: string, message: string) => void;
  /** Pipelines compiled so far. */
  misses = 0;
  /** Lookups served from the cache. */
  hits = 0;

  constructor(device: GPUDevice, onCompileError: (kernel: string, message: string) => void) {
    this.#device = device;
    this.#onCompileError = onCompileError;
  }

  /** The pipeline for a rendered kernel, compiling it now (synchronously) on first use. */
  get(kernel: RenderedKernel): CachedPipeline {
    const entry = this.#entry(kernel);
    if (entry.pipeline) {
      this.hits++;
      return { pipeline: entry.pipeline, layout: entry.layout };
    }
    this.misses++;
    entry.pipeline = this.#device.createComputePipeline(this.#descriptor(entry));
    return { pipeline: entry.pipeline, layout: entry.layout };
  }

  /** The bind group layout of a rendered kernel, without compiling it. */
  layout(kernel: RenderedKernel): GPUBindGroupLayout {
    return this.#entry(kernel).layout;
  }

  /** Whether the kernel's pipeline is compiled. */
  isReady(kernel: RenderedKernel): boolean {
    return this.#entries.get(kernel.code)?.pipeline !== undefined;
  }

  /** Compiles the kernel's pipeline off the calling thread where the implementation can; resolves when it is ready. */
  async compileAsync(kernel: RenderedKernel): Promise<void> {
    const entry = this.#entry(kernel);
    if (entry.pipeline) return;
    if (!entry.pending) {
      this.misses++;
      const descriptor = this.#descriptor(entry);
      entry.pending =
        typeof this.#device.createComputePipelineAsync === 'function'
          ? this.#device.createComputePipelineAsync(descriptor)
          : Promise.resolve(this.#device.createComputePipeline(descriptor));
    }
    try {
      entry.pipeline = await entry.pending;
    } catch (error) {
      entry.pending = undefined;
      const message = error instanceof Error ? error.message : String(error);
      this.#onCompileError(kernel.name, message);
      throw new Error(`${kernel.name}: pipeline creation failed: ${message}`);
    }
  }

  /** Number of distinct pipelines compiled. */
  get size(): number {
    let n = 0;
    for (const entry of this.#entries.values()) if (entry.pipeline) n++;
    return n;
  }

  #entry(kernel: RenderedKernel): Entry {
    let entry = this.#entries.get(kernel.code);
    if (!entry) {
      const layout = this.#device.createBindGroupLayout({
        label: kernel.name,
        entries: kernel.bindings.map((binding, index) => ({
          binding: index,
          visibility: ShaderStage.COMPUTE,
          buffer: { type: BUFFER_TYPE[binding.kind] },
        })),
      });
      entry = { kernel, layout };
      this.#entries.set(kernel.code, entry);
    }
    return entry;
  }

  #descriptor(entry: Entry): GPUComputePipelineDescriptor {
    const { kernel, layout } = entry;
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
    return {
      label: kernel.name,
      layout: this.#device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    };
  }
}
