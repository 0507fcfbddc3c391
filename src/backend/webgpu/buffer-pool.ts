/** Counters of the buffer pool, in bytes of real GPU allocations (size classes, not requested sizes). */
export interface PoolStats {
  /** Bytes in buffers handed out and not yet released. */
  liveBytes: number;
  /** Bytes in released buffers kept for reuse. */
  pooledBytes: number;
  /** Highest `liveBytes` seen. */
  peakLiveBytes: number;
  /** Buffers handed out and not yet released. */
  liveBuffers: number;
  /** `createBuffer` calls so far. Flat across a loop means the loop allocates nothing new. */
  createdBuffers: number;
  /** Acquisitions served from the pool. */
  reusedBuffers: number;
}

interface BufferRecord {
  sizeClass: number;
  usage: number;
}

/**
 * Hands out GPU buffers by size class (`sizeClassOf`: coarse for small buffers, within an eighth
 * of an octave for large ones) and takes them back for reuse.
 *
 * A buffer released while commands that use it are still being recorded is not reusable until
 * those commands are submitted: `queue.writeBuffer` on a reused buffer would otherwise land
 * before the recorded reads of its old contents. After submission the queue's ordering makes
 * reuse safe.
 */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<string, GPUBuffer[]>();
  readonly #awaitingSubmit: GPUBuffer[] = [];
  readonly #records = new Map<GPUBuffer, BufferRecord>();
  readonly #stats: PoolStats = {
    liveBytes: 0,
    pooledBytes: 0,
    peakLiveBytes: 0,
    liveBuffers: 0,
    createdBuffers: 0,
    reusedBuffers: 0,
  };

  readonly #maxBufferSize: number;

  constructor(device: GPUDevice) {
    this.#device = device;
    this.#maxBufferSize = device.limits.maxBufferSize;
  }

  /** A buffer of at least `byteLength` bytes with exactly `usage`. */
  acquire(byteLength: number, usage: number, label?: string): GPUBuffer {
    if (byteLength > this.#maxBufferSize) {
      throw new RangeError(`${label ?? 'buffer'}: ${byteLength} bytes exceeds this device's maxBufferSize of ${this.#maxBufferSize} bytes`);
    }
    // Near the limit the next size class may not exist; the exact (4-aligned) size is used there.
    const sizeClass = Math.min(sizeClassOf(byteLength), this.#maxBufferSize - (this.#maxBufferSize % 4));
    const key = `${usage}:${sizeClass}`;
    let buffer = this.#free.get(key)?.pop();
    if (buffer) {
      this.#stats.reusedBuffers++;
      this.#stats.pooledBytes -= sizeClass;
    } else {
      buffer = this.#device.createBuffer({ size: sizeClass, usage, label });
      this.#records.set(buffer, { sizeClass, usage });
      this.#stats.createdBuffers++;
    }
    this.#stats.liveBytes += sizeClass;
    this.#stats.liveBuffers++;
    this.#stats.peakLiveBytes = Math.max(this.#stats.peakLiveBytes, this.#stats.liveBytes);
    return buffer;
  }

  /** Gives a buffer back; it becomes reusable at the next `commandsSubmitted()`. */
  release(buffer: GPUBuffer): void {
    const record = this.#records.get(buffer);
    if (!record) throw new Error('BufferPool.release: buffer does not belong to this pool');
    this.#stats.liveBytes -= record.sizeClass;
    this.#stats.liveBuffers--;
    this.#stats.pooledBytes += record.sizeClass;
    this.#awaitingSubmit.push(buffer);
  }

  /** Called after every queue submit: released buffers are now safe to reuse. */
  commandsSubmitted(): void {
    for (const buffer of this.#awaitingSubmit) {
      const { sizeClass, usage } = this.#records.get(buffer)!;
      const key = `${usage}:${sizeClass}`;
      const list = this.#free.get(key);
      if (list) list.push(buffer);
      else this.#free.set(key, [buffer]);
    }
    this.#awaitingSubmit.length = 0;
  }

  /** Destroys the pooled (free) buffers, returning their memory to the driver. */
  trim(): void {
    for (const list of this.#free.values()) {
      for (const buffer of list) {
        this.#stats.pooledBytes -= this.#records.get(buffer)!.sizeClass;
        this.#records.delete(buffer);
        buffer.destroy();
      }
    }
    this.#free.clear();
  }

  /** Starts a new peak: peakLiveBytes becomes the current liveBytes. */
  resetPeak(): void {
    this.#stats.peakLiveBytes = this.#stats.liveBytes;
  }

  /** A snapshot of the counters. */
  stats(): PoolStats {
    return { ...this.#stats };
  }

  /** Destroys every buffer the pool created, live ones included. */
  destroy(): void {
    for (const buffer of this.#records.keys()) buffer.destroy();
    this.#records.clear();
    this.#free.clear();
    this.#awaitingSubmit.length = 0;
  }
}

/**
 * The allocation size for a request, at least 16 bytes: up to 1 MiB the next power of two or 1.5×
 * power of two (few classes, so buffers are reused often); above, the next eighth of an octave, so a
 * large parameter (a 94 MB embedding table) wastes at most 12.5% rather than a third, and a loaded
 * model takes about its own size on the GPU.
 */
export function sizeClassOf(byteLength: number): number {
  if (byteLength <= 16) return 16;
  const power = 2 ** Math.ceil(Math.log2(byteLength));
  if (byteLength > 2 ** 20) {
    const step = power / 16;
    return Math.ceil(byteLength / step) * step;
  }
  const threeQuarters = (power / 4) * 3;
  return byteLength <= threeQuarters ? threeQuarters : power;
}
