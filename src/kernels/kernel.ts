import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';

/** How a kernel uses a binding: read-only storage, read-write storage, or a uniform block. */
export type BindingKind = 'read-only-storage' | 'storage' | 'uniform';

/** One `@group(0) @binding(i)` of a kernel; `i` is the index in `Kernel.bindings`. */
export interface KernelBinding {
  /** The variable name in the WGSL (checked by a test against the shader). */
  readonly name: string;
  readonly kind: BindingKind;
}

/** Values substituted for `${NAME}` in a shader: booleans drive `#if`, the rest are pasted as text. */
export type ShaderDefines = Readonly<Record<string, string | number | boolean>>;

/**
 * A WGSL kernel: its shader file, the bindings its TS side promises, and how each variant is
 * specialised. `V` is the variant descriptor (dtype, op, …); the pipeline cache keys on the
 * rendered text, so two variants that render the same share one pipeline.
 */
export interface Kernel<V> {
  /** Unique name, used in labels and error messages. */
  readonly name: string;
  /** The `.wgsl` file's text, with `${NAME}` placeholders. */
  readonly source: string;
  /** Bindings of group 0, in binding order. */
  readonly bindings: readonly KernelBinding[];
  /** Workgroup size of a variant (also pasted into the shader as WORKGROUP_X/Y/Z). */
  workgroupSize(variant: V): readonly [number, number, number];
  /** Placeholder values of a variant. */
  defines(variant: V): ShaderDefines;
  /** Every variant the library can ask for, so tests can render and check each one. */
  readonly variants: readonly V[];
  /** The CPU references (from `src/reference/`) this kernel is tested against, by op name. */
  readonly references: Readonly<Record<string, (...args: never[]) => void>>;
}

/** A kernel variant ready for the pipeline cache: its rendered WGSL and bindings. */
export interface RenderedKernel {
  readonly name: string;
  readonly code: string;
  readonly bindings: readonly KernelBinding[];
}

const renderCache = new WeakMap<Kernel<never>, Map<string, RenderedKernel>>();

/** Renders a kernel variant (cached per kernel and variant). */
export function renderKernel<V>(kernel: Kernel<V>, variant: V): RenderedKernel {
  let cache = renderCache.get(kernel as Kernel<never>);
  if (!cache) renderCache.set(kernel as Kernel<never>, (cache = new Map()));
  const key = JSON.stringify(variant);
  let rendered = cache.get(key);
  if (!rendered) {
    const [x, y, z] = kernel.workgroupSize(variant);
    const defines = { WORKGROUP_X: x, WORKGROUP_Y: y, WORKGROUP_Z: z, ...kernel.defines(variant) };
    rendered = { name: kernel.name, code: renderShader(kernel.source, defines, kernel.name), bindings: kernel.bindings };
    cache.set(key, rendered);
  }
  return rendered;
}

/**
 * Runs a shader file through wgsl-preprocessor: the file's `${NAME}` placeholders become the
 * template's values, so `#if ${F16}` in a real .wgsl file works as it does in a template literal.
 */
export function renderShader(source: string, defines: ShaderDefines, kernelName = 'shader'): string {
  const strings: string[] = [];
  const values: unknown[] = [];
  let last = 0;
  for (const match of source.matchAll(/\$\{(\w+)\}/g)) {
    const name = match[1]!;
    if (!(name in defines)) throw new Error(`${kernelName}: shader placeholder \${${name}} has no value`);
    strings.push(source.slice(last, match.index));
    // A pasted shader fragment (a shared file under shaders/common/) may have placeholders of its own.
    const value = defines[name];
    values.push(typeof value === 'string' && value.includes('${') ? renderShader(value, defines, kernelName) : value);
    last = match.index! + match[0].length;
  }
  strings.push(source.slice(last));
  return wgsl(strings, ...values);
}

/** Splits `count` workgroups over x and y so neither exceeds `maxPerDimension` (shaders flatten with `num_workgroups.x`). */
export function grid1D(count: number, maxPerDimension: number): [number, number, number] {
  if (count <= maxPerDimension) return [count, 1, 1];
  const y = Math.ceil(count / maxPerDimension);
  return [Math.ceil(count / y), y, 1];
}

/** A tensor's GPU storage: a pooled buffer and the bytes of it the tensor uses. */
export interface GpuStorage {
  readonly buffer: GPUBuffer;
  /** Bytes in use (4-aligned); bindings cover exactly this range. */
  readonly byteLength: number;
}

/** What a kernel's encode function needs from the WebGPU backend. */
export interface Dispatcher {
  /** The device limits in force (workgroups per dimension, buffer sizes, …). */
  readonly limits: GPUSupportedLimits;
  /** Storage from the pool for a kernel's own scratch (NaN-poisoned in test mode). */
  allocate(shape: readonly number[], dtype: 'f32' | 'i32' | 'u32', op: string): GpuStorage;
  /** Returns scratch storage; reusable once the commands recorded so far are submitted. */
  releaseStorage(storage: GpuStorage): void;
  /**
   * Records one dispatch of `kernel`'s `variant`. `resources[i]` fills binding i: a storage
   * buffer, or for a uniform binding the bytes to upload.
   */
  dispatch<V>(kernel: Kernel<V>, variant: V, resources: readonly (GpuStorage | ArrayBufferView)[], workgroups: readonly [number, number, number]): void;
}
