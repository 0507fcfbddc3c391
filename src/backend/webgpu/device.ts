import { WebGPUUnavailableError } from '../../errors.js';

/** Options for opening a WebGPU device. */
export interface DeviceOptions {
  /** A `GPU` to use instead of `navigator.gpu` (or of Dawn from the `webgpu` package in Node). */
  gpu?: GPU;
  /** Adapter preference passed to `requestAdapter`. */
  powerPreference?: GPUPowerPreference;
  /** Features the caller cannot do without; opening fails with a clear error when the adapter lacks one. */
  requiredFeatures?: readonly GPUFeatureName[];
}

/** What the device is and what it was granted. */
export interface AdapterReport {
  /** `'browser'` (navigator.gpu) or `'node'` (Dawn or a caller-supplied GPU). */
  environment: 'browser' | 'node';
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software adapters such as SwiftShader. */
  isFallbackAdapter: boolean;
  /** Smallest and largest subgroup size the adapter reports (0 when unknown). */
  subgroupMinSize: number;
  subgroupMaxSize: number;
  /** Optional features enabled on the device (of `shader-f16`, `subgroups`, `timestamp-query`, plus any required ones). */
  features: string[];
  /** The limits the device was granted, for the limits that matter to compute work. */
  limits: Record<(typeof COMPUTE_LIMITS)[number], number>;
}

/** Optional features enabled whenever the adapter has them. */
export const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as const satisfies readonly GPUFeatureName[];

/** Limits raised to the adapter's maximum (the defaults are far below what training needs). */
export const COMPUTE_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxUniformBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** Finds a `GPU`: the given one, `navigator.gpu`, or in Node Dawn from the `webgpu` package (an optional peer dependency). */
export async function findGpu(given?: GPU): Promise<{ gpu: GPU; environment: 'browser' | 'node' }> {
  if (given) return { gpu: given, environment: isNode() ? 'node' : 'browser' };
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, environment: isNode() ? 'node' : 'browser' };
  if (!isNode()) {
    throw new WebGPUUnavailableError(
      'WebGPU is not available: navigator.gpu is missing. Use a browser with WebGPU (Chrome/Edge 113+, Safari 26+, Firefox 141+) over https or localhost.',
    );
  }
  // A variable specifier keeps browser bundlers from trying to resolve this Node-only package.
  const specifier = 'webgpu';
  let dawn: { create(flags: string[]): GPU };
  try {
    dawn = (await import(/* @vite-ignore */ specifier)) as typeof dawn;
  } catch (error) {
    const missing = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String(error).includes(`'${specifier}'`);
    throw new WebGPUUnavailableError(
      missing
        ? `WebGPU in Node needs the optional peer dependency "webgpu" (Dawn): npm install webgpu`
        : `the "webgpu" package is installed but Dawn failed to load (in Node it needs a Vulkan driver: a GPU's, or Mesa's lavapipe): ${String(error)}`,
    );
  }
  try {
    return { gpu: dawn.create([]), environment: 'node' };
  } catch (error) {
    throw new WebGPUUnavailableError(`the "webgpu" package is installed but Dawn failed to start (is a Vulkan driver installed?): ${String(error)}`);
  }
}

/** Opens an adapter and a device with raised limits and the optional features present. */
export async function openDevice(options: DeviceOptions = {}): Promise<{ gpu: GPU; adapter: GPUAdapter; device: GPUDevice; report: AdapterReport }> {
  const { gpu, environment } = await findGpu(options.gpu);
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : {});
  if (!adapter) {
    throw new WebGPUUnavailableError(
      environment === 'node'
        ? 'WebGPU: no adapter. Dawn needs a Vulkan driver: a GPU driver, or Mesa lavapipe (apt-get install mesa-vulkan-drivers, Mesa 25+)'
        : 'WebGPU: requestAdapter() returned null (WebGPU disabled, blocklisted GPU, or headless Chromium without --enable-unsafe-webgpu)',
    );
  }
  const missing = (options.requiredFeatures ?? []).filter((f) => !adapter.features.has(f));
  if (missing.length > 0) {
    throw new WebGPUUnavailableError(`WebGPU: the adapter lacks required features: ${missing.join(', ')}`);
  }
  const features = [...new Set([...OPTIONAL_FEATURES.filter((f) => adapter.features.has(f)), ...(options.requiredFeatures ?? [])])];
  const requiredLimits: Record<string, number> = {};
  for (const name of COMPUTE_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits });
  const info = adapter.info;
  const report: AdapterReport = {
    environment,
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter),
    subgroupMinSize: (info as { subgroupMinSize?: number }).subgroupMinSize ?? 0,
    subgroupMaxSize: (info as { subgroupMaxSize?: number }).subgroupMaxSize ?? 0,
    features: features.filter((f) => device.features.has(f)),
    limits: Object.fromEntries(COMPUTE_LIMITS.map((name) => [name, device.limits[name]])) as AdapterReport['limits'],
  };
  return { gpu, adapter, device, report };
}

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}
