// The WebGPU flag values, fixed by the spec. Dawn in Node does not define the GPUBufferUsage /
// GPUMapMode / GPUShaderStage globals unless asked to, so the library carries its own copies.

export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  INDEX: 0x0010,
  VERTEX: 0x0020,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  INDIRECT: 0x0100,
  QUERY_RESOLVE: 0x0200,
} as const;

export const MapMode = { READ: 0x0001, WRITE: 0x0002 } as const;

export const ShaderStage = { VERTEX: 0x1, FRAGMENT: 0x2, COMPUTE: 0x4 } as const;

/** Usage of tensor storage: bound as storage, copied in and out. */
export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
/** Usage of a uniform block written from the CPU. */
export const UNIFORM_USAGE = BufferUsage.UNIFORM | BufferUsage.COPY_DST;
/** Usage of a staging buffer that a readback maps. */
export const READBACK_USAGE = BufferUsage.MAP_READ | BufferUsage.COPY_DST;
