// Seeded parameter initialisers and the sinusoidal position table, computed on the CPU as plain
// arrays, so a model starts from the same numbers on every backend and every machine. Random words
// come from Philox4x32-10 (the generator of the dropout kernels), word s of the stream keyed by `seed`.
import { ArgumentError, ShapeError, describeValue, formatShape } from '../errors.js';
import { philox4x32_10 } from '../random/philox.js';

/** `n` uniform numbers in (0, 1) from the Philox stream of `seed` (word s of the stream: word s mod 4 of counter ⌊s/4⌋). */
function uniforms(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  for (let block = 0; block * 4 < n; block++) {
    const words = philox4x32_10([block % 2 ** 32, Math.floor(block / 2 ** 32), 0, 0], [seed >>> 0, 0x5eed]);
    for (let w = 0; w < 4 && block * 4 + w < n; w++) out[block * 4 + w] = (words[w]! + 0.5) / 2 ** 32;
  }
  return out;
}

/** Throws `ArgumentError` unless `options` is an object holding every `required` field, naming the first missing one. */
function checkOptions(op: string, options: unknown, required: readonly string[]): void {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(`${op}: options { ${required.join(', ')} } are required, got ${describeValue(options)}`);
  }
  for (const name of required) {
    if ((options as Record<string, unknown>)[name] === undefined) throw new ArgumentError(`${op}: ${name} is required`);
  }
}

function checkInit(op: string, shape: readonly number[], seed: number): number {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw new ShapeError(`${op}: shape must be non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new ShapeError(`${op}: seed must be a u32, got ${String(seed)}`);
  return shape.reduce((a, b) => a * b, 1);
}

/** Options of `normalInit`. */
export interface NormalInitOptions {
  mean?: number;
  /** Standard deviation > 0 (BERT's `initializer_range` is 0.02). */
  std: number;
  /** u32; the same seed gives the same values. */
  seed: number;
}

/** Values drawn from N(mean, std²) (Box–Muller on the Philox stream): BERT's initialiser, normal(0, 0.02). */
export function normalInit(shape: readonly number[], options: NormalInitOptions): Float32Array {
  checkOptions('normalInit', options, ['std', 'seed']);
  const { mean = 0, std, seed } = options;
  const n = checkInit('normalInit', shape, seed);
  if (!(std > 0) || !Number.isFinite(std) || !Number.isFinite(mean))
    throw new ShapeError(`normalInit: std must be a finite number > 0 and mean finite, got std ${String(std)}, mean ${String(mean)}`);
  const u = uniforms(2 * Math.ceil(n / 2), seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(u[i]!));
    const angle = 2 * Math.PI * u[i + 1]!;
    out[i] = mean + std * radius * Math.cos(angle);
    if (i + 1 < n) out[i + 1] = mean + std * radius * Math.sin(angle);
  }
  return out;
}

/** Options of `xavierUniform`. */
export interface XavierOptions {
  /** Inputs and outputs of the layer; default: a 2-D shape is [fanIn, fanOut] (our Linear weight, y = x·W). */
  fanIn?: number;
  fanOut?: number;
  /** Multiplies the bound (1 for linear layers). */
  gain?: number;
  seed: number;
}

/** Glorot/Xavier uniform (the original Transformer's): U(−a, a), a = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform(shape: readonly number[], options: XavierOptions): Float32Array {
  checkOptions('xavierUniform', options, ['seed']);
  const { fanIn, fanOut, gain = 1, seed } = options;
  const n = checkInit('xavierUniform', shape, seed);
  const fans = [fanIn ?? (shape.length === 2 ? shape[0] : undefined), fanOut ?? (shape.length === 2 ? shape[1] : undefined)];
  if (!fans.every((f) => f !== undefined && Number.isSafeInteger(f) && f > 0)) {
    throw new ShapeError(`xavierUniform: give fanIn and fanOut (integers > 0) for shape ${formatShape(shape)}, or use a 2-D [fanIn, fanOut] shape`);
  }
  if (!(gain > 0) || !Number.isFinite(gain)) throw new ShapeError(`xavierUniform: gain must be a finite number > 0, got ${String(gain)}`);
  const bound = gain * Math.sqrt(6 / (fans[0]! + fans[1]!));
  const u = uniforms(n, seed);
  return Float32Array.from(u, (x) => bound * (2 * x - 1));
}

/**
 * The sinusoidal position table of Vaswani et al. (§3.5), [length, dModel]:
 * PE(pos, 2i) = sin(pos / 10000^(2i/dModel)), PE(pos, 2i+1) = cos(pos / 10000^(2i/dModel)).
 */
export function sinusoidalPositions(length: number, dModel: number): Float32Array {
  if (!Number.isSafeInteger(length) || length < 0 || !Number.isSafeInteger(dModel) || dModel < 1) {
    throw new ShapeError(`sinusoidalPositions: length must be an integer ≥ 0 and dModel an integer ≥ 1, got ${String(length)}, ${String(dModel)}`);
  }
  const out = new Float32Array(length * dModel);
  for (let pos = 0; pos < length; pos++) {
    for (let d = 0; d < dModel; d++) {
      const angle = pos / 10000 ** ((2 * Math.floor(d / 2)) / dModel);
      out[pos * dModel + d] = d % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}
