// The attention family: q [B, H, Tq, Dh], k and v [B, H, Tk, Dh], optional causal and key masks
// and dropout on the probabilities.
//
// Kernels
//   attention/forward        fused (flash style, no [Tq, Tk] matrix in memory): out and the row
//                            log-sum-exp; each invocation owns query rows, keys stream past in tiles.
//   attention/backward-dq    fused backward, pass 1: dQ and delta = rowsum(dO ∘ O).
//   attention/backward-dkdv  fused backward, pass 2: dK and dV; each invocation owns key rows, so no
//                            two invocations add into one output.
//   attention/scores         the non-fused path's one attention kernel (GEMM, scores, softmax,
//                            dropout, GEMM in src/backend/webgpu/ops/attention.ts): scale and mask
//                            Q·Kᵀ in place. That path keeps the [B, H, Tq, Tk] probabilities, for
//                            attention maps (`attentionWithProbabilities`, a `{ probs }` backward) and
//                            any Dh; the fused kernels take Dh a multiple of 4, ≤ 128 (README.md).
// The fused kernels' per-row code is generated in ./attention-codegen.ts; `npm run shaders --
// attention` writes every rendered variant to .cache/shaders/attention/.
//
// Tilings of the fused kernels (ATTENTION_TILINGS; src/backend/webgpu/ops/attention.ts picks one per
// adapter, `backend.attentionTiling` forces one). Times: forward + backward at B8-H12-T128/256/512-D64,
// SwiftShader in Chromium from bench/results/attention.json, H100 in Node/Dawn from
// bench/results/attention-node-h100.json.
//   cpu                    64 lanes, 1 row each, K/V read from storage (CPU caches serve them), no
//                          subgroups. For CPU adapters without subgroups of 4.
//                          SwiftShader: 976 / 3780 / 14800 ms.
//   cpu-subgroups          64 lanes, each row split over 4 lanes (subgroup shuffles add the partial
//                          dot products), 8 rows a lane: every K/V value loaded feeds 8 FMAs. Default
//                          on SwiftShader at Tq > 128, the fastest there: 529 / 2040 / 7260 ms. (The
//                          measurement it was chosen on, T256: 4.0 s with 4 rows, 1.6–2.0 s with 8 or
//                          16, 6.8 s with `cpu`.)
//   cpu-subgroups-compact  as cpu-subgroups with 4 rows a lane: lavapipe's LLVM takes minutes to
//                          compile bigger blocks, and at short T 8 rows starve SwiftShader's cores
//                          (T64: 98 vs 229 ms, src/backend/webgpu/ops/attention.ts). Default on lavapipe,
//                          and on SwiftShader at Tq ≤ 128. SwiftShader: 559 / 2050 / 9510 ms.
//   gpu                    128 lanes, 1 row each, K/V tiles staged in workgroup memory. Default on real
//                          GPUs. H100: 0.513 / 0.874 / 2.59 ms; staging and one row matter there
//                          (unstaged, 64 lanes: 0.673 / 1.57 / 5.39 ms; staged, 2 rows: 1.15 / 1.94 / 7 ms).
//                          SwiftShader: 1320 / 4480 / 19400 ms.
//   gpu-subgroups          128 lanes, split 4, 4 rows a lane, staged. Opt-in: tested, not yet timed on
//                          a GPU. SwiftShader: 832 / 3200 / 11300 ms.
//   cpu-decode             8 lanes, split 4, 1 row a lane: 2 rows a workgroup, for a decoding step's
//                          one query row per (batch, head), where the other layouts' workgroups of 64
//                          rows run almost empty. Default on CPU adapters with subgroups at Tq ≤ 2.
// Non-fused path: SwiftShader 816 / 3360 / 17900 ms; H100 0.699 / 0.793 / 1.81 ms, ahead of the fused
// pair from T256 on, with 6.5× the fused pair's peak memory at T512 (327 MB against 50.7 MB).
import commonSource from '../../shaders/common/attention.wgsl';
import forwardSource from '../../shaders/attention/forward.wgsl';
import backwardDqSource from '../../shaders/attention/backward-dq.wgsl';
import backwardDkDvSource from '../../shaders/attention/backward-dkdv.wgsl';
import scoresSource from '../../shaders/attention/scores.wgsl';
import { attentionBackwardReference, attentionReference } from '../reference/attention.js';
import type { DropoutMask } from '../backend/contract.js';
import { type Dispatcher, type GpuStorage, type Kernel, type ShaderDefines, grid1D } from './kernel.js';
import { backwardDkDvCode, backwardDqCode, forwardCode } from './attention-codegen.js';
import { philoxFunctions } from './philox.js';
import { stepResource, stepStruct } from './step.js';
import { NO_STEP } from '../backend/step-values.js';

/** How the fused kernels are laid out for an adapter: invocations per workgroup, rows per invocation, K/V staging. */
export interface AttentionTiling {
  /** Invocations per workgroup. */
  readonly workgroup: number;
  /** Query (forward, dQ) or key (dK/dV) rows each invocation owns at Dh ≤ 64 (fewer for bigger heads: `rowsFor`). */
  readonly rows: number;
  /** Copy each tile of the streamed rows to workgroup memory first (real GPUs) or read storage directly (CPU adapters). */
  readonly stage: boolean;
  /**
   * Invocations sharing one row, each holding Dh/split of it; their partial dot products are summed
   * with subgroup shuffles (needs the subgroups feature and subgroups of at least `split` lanes).
   * 1: one invocation per row, no subgroup operations.
   */
  readonly split: number;
}

/** A fused attention kernel variant: head size, tiling, tile length and which masks and dropout are compiled in. */
export interface AttentionVariant extends AttentionTiling {
  /** Dh / 4. */
  readonly dh4: number;
  /** Streamed rows per tile. */
  readonly tile: number;
  readonly causal: boolean;
  readonly keyMask: boolean;
  readonly dropout: boolean;
}

/** The problem the encoders record, with its mask and dropout resolved. */
export interface AttentionDims {
  readonly batch: number;
  readonly heads: number;
  readonly tq: number;
  readonly tk: number;
  readonly dh: number;
  readonly scale: number;
  readonly causal: boolean;
  readonly dropout: DropoutMask | null;
}

/** The fused kernels' layouts by name: what each is for and its timings are in the comment at the top of this file. */
export const ATTENTION_TILINGS = {
  cpu: { workgroup: 64, rows: 1, stage: false, split: 1 },
  'cpu-subgroups': { workgroup: 64, rows: 8, stage: false, split: 4 },
  'cpu-subgroups-compact': { workgroup: 64, rows: 4, stage: false, split: 4 },
  gpu: { workgroup: 128, rows: 1, stage: true, split: 1 },
  'gpu-subgroups': { workgroup: 128, rows: 4, stage: true, split: 4 },
  'cpu-decode': { workgroup: 8, rows: 1, stage: false, split: 4 },
} as const satisfies Record<string, AttentionTiling>;

const flags = [false, true];
/** Variants the tests render: every mask/dropout combination, for each tiling, at Dh 32, 64 and 128. */
const testedVariants: AttentionVariant[] = [8, 16, 32].flatMap((dh4) =>
  Object.values(ATTENTION_TILINGS).flatMap((tiling) =>
    flags.flatMap((causal) =>
      flags.flatMap((keyMask) =>
        flags.map((dropout) => ({ ...tiling, rows: rowsFor(tiling, 4 * dh4), split: splitFor(tiling, dh4), dh4, tile: 16, causal, keyMask, dropout })),
      ),
    ),
  ),
);

/**
 * Placeholders every fused kernel shares: the pasted common files and the variant's flags and sizes.
 * `kvTiles`: the forward and dQ stage K/V tiles in workgroup memory (when `stage`); dK/dV stages
 * its own Q/dO tiles instead.
 */
function commonDefines({ dh4, rows, tile, stage, split, workgroup, causal, keyMask, dropout }: AttentionVariant, kvTiles: boolean) {
  return {
    ATTENTION_COMMON: commonSource,
    PHILOX: philoxFunctions,
    STEP: stepStruct,
    SUBGROUPS: split > 1,
    SPLIT: split,
    ROW_LANES: workgroup / split,
    DH4: dh4,
    ROWS: rows,
    BC: tile,
    STAGE: stage,
    CAUSAL: causal,
    KEY_MASK: keyMask,
    DROPOUT: dropout,
    KV_TILES: kvTiles,
  };
}

const references = { attention: attentionReference, attentionBackward: attentionBackwardReference };

/** A fused kernel: read-only inputs, then outputs, then the uniforms `params` and `step` (the order of the shader's bindings). */
function fusedKernel(
  name: string,
  source: string,
  inputs: string[],
  outputs: string[],
  defines: (v: AttentionVariant) => ShaderDefines,
): Kernel<AttentionVariant> {
  return {
    name,
    source,
    bindings: [
      ...inputs.map((input) => ({ name: input, kind: 'read-only-storage' as const })),
      ...outputs.map((output) => ({ name: output, kind: 'storage' as const })),
      { name: 'params', kind: 'uniform' },
      { name: 'step', kind: 'uniform' },
    ],
    workgroupSize: ({ workgroup }) => [workgroup, 1, 1],
    defines,
    variants: testedVariants,
    references,
  };
}

/** Forward: out and the row log-sum-exp; each invocation owns `rows` query rows, keys stream in tiles. */
export const attentionForwardKernel = fusedKernel('attention/forward', forwardSource, ['q', 'k', 'v', 'key_mask'], ['out', 'lse'], (v) => ({
  ...commonDefines(v, v.stage),
  ...forwardCode(v),
}));

/** Backward part 1: dQ, and delta = rowsum(dO ∘ O) for part 2. */
export const attentionBackwardDqKernel = fusedKernel(
  'attention/backward-dq',
  backwardDqSource,
  ['q', 'k', 'v', 'key_mask', 'out', 'd_out', 'lse'],
  ['dq', 'delta'],
  (v) => ({ ...commonDefines(v, v.stage), ...backwardDqCode(v) }),
);

/** Backward part 2: dK and dV; each invocation owns `rows` key rows, queries stream in tiles. */
export const attentionBackwardDkDvKernel = fusedKernel(
  'attention/backward-dkdv',
  backwardDkDvSource,
  ['q', 'k', 'v', 'key_mask', 'd_out', 'lse', 'delta'],
  ['dk', 'dv'],
  (v) => ({ ...commonDefines(v, false), ...backwardDkDvCode(v) }),
);

/** A variant of the scores kernel of the non-fused path: which masks it applies. */
export interface AttentionScoresVariant {
  readonly causal: boolean;
  readonly keyMask: boolean;
}

const SCORES_WORKGROUP = 256;

/** Non-fused path: scores = scale·S with masked entries set to −FLT_MAX (which softmax treats as −∞), in place. */
export const attentionScoresKernel: Kernel<AttentionScoresVariant> = {
  name: 'attention/scores',
  source: scoresSource,
  bindings: [
    { name: 'key_mask', kind: 'read-only-storage' },
    { name: 'scores', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [SCORES_WORKGROUP, 1, 1],
  defines: ({ causal, keyMask }) => ({ CAUSAL: causal, KEY_MASK: keyMask }),
  variants: flags.flatMap((causal) => flags.map((keyMask) => ({ causal, keyMask }))),
  references,
};

/** The uniform block of the fused kernels (shaders/common/attention.wgsl `Params`). */
function attentionParams(s: AttentionDims, blocks: number): Uint8Array {
  const buffer = new ArrayBuffer(48);
  const u32 = new Uint32Array(buffer);
  const f32 = new Float32Array(buffer);
  u32.set([s.tq, s.tk, s.heads, blocks, s.batch * s.heads]);
  f32[5] = s.scale;
  const drop = s.dropout;
  if (drop) {
    u32[6] = Math.floor(drop.p * 2 ** 32);
    f32[7] = 1 / (1 - drop.p);
    u32.set([drop.key[0], drop.key[1], drop.offset % 2 ** 32, Math.floor(drop.offset / 2 ** 32)], 8);
  }
  return new Uint8Array(buffer);
}

/** Streamed rows per tile: 16, or fewer when two staged tiles of Dh floats (plus 8 bytes a row) would not fit the workgroup memory. */
function tileLength(gpu: Dispatcher, tiling: AttentionTiling, dh: number): number {
  if (!tiling.stage) return 16;
  const fit = Math.floor(gpu.limits.maxComputeWorkgroupStorageSize / (2 * 4 * dh + 8));
  return Math.max(1, Math.min(16, fit));
}

/**
 * Rows per invocation for head size `dh`: the tiling's count at Dh ≤ 64, fewer for bigger heads, so
 * an invocation's registers (k, v, dk, dv: 4·rows vectors of Dh/split floats in dK/dV) stay the same. More would spill on GPUs
 * and make LLVM-based CPU adapters (lavapipe) spend minutes compiling.
 */
export function rowsFor(tiling: AttentionTiling, dh: number): number {
  return Math.max(1, Math.floor((tiling.rows * 64) / Math.max(dh, 64)));
}

/** The tiling's split, halved until it divides the head's vec4 count (Dh = 8 splits over 2 invocations at most). */
function splitFor(tiling: AttentionTiling, dh4: number): number {
  let split = tiling.split;
  while (split > 1 && dh4 % split !== 0) split /= 2;
  return split;
}

function variantFor(gpu: Dispatcher, tiling: AttentionTiling, s: AttentionDims, keyMask: boolean): AttentionVariant {
  const rows = rowsFor(tiling, s.dh);
  return {
    ...tiling,
    rows,
    split: splitFor(tiling, s.dh / 4),
    dh4: s.dh / 4,
    tile: tileLength(gpu, tiling, s.dh),
    causal: s.causal,
    keyMask,
    dropout: s.dropout !== null,
  };
}

function rowBlocks(gpu: Dispatcher, variant: AttentionVariant, rows: number, batchHeads: number) {
  const blocks = Math.ceil(rows / ((variant.workgroup / variant.split) * variant.rows));
  return { blocks, groups: grid1D(blocks * batchHeads, gpu.limits.maxComputeWorkgroupsPerDimension) };
}

/** Records the fused forward: out [B, H, Tq, Dh] and lse [B, H, Tq]. `keyMask` null attends every key. */
export function encodeAttentionForward(
  gpu: Dispatcher,
  tiling: AttentionTiling,
  s: AttentionDims,
  io: { q: GpuStorage; k: GpuStorage; v: GpuStorage; keyMask: GpuStorage | null; out: GpuStorage; lse: GpuStorage },
): void {
  if (s.batch * s.heads * s.tq === 0) return;
  const variant = variantFor(gpu, tiling, s, io.keyMask !== null);
  const { blocks, groups } = rowBlocks(gpu, variant, s.tq, s.batch * s.heads);
  const step = stepResource(s.dropout?.step ?? NO_STEP);
  // Without a key mask the shader never reads binding 3; q fills it (read-only bindings may alias).
  const resources = [io.q, io.k, io.v, io.keyMask ?? io.q, io.out, io.lse, attentionParams(s, blocks), step];
  gpu.dispatch(attentionForwardKernel, variant, resources, groups);
}

/** Records the fused backward: dq, dk, dv from dOut, the inputs, out and lse (delta is [B, H, Tq] scratch). */
export function encodeAttentionBackward(
  gpu: Dispatcher,
  tiling: AttentionTiling,
  s: AttentionDims,
  io: {
    q: GpuStorage;
    k: GpuStorage;
    v: GpuStorage;
    keyMask: GpuStorage | null;
    out: GpuStorage;
    lse: GpuStorage;
    dOut: GpuStorage;
    dq: GpuStorage;
    dk: GpuStorage;
    dv: GpuStorage;
    delta: GpuStorage;
  },
): void {
  const bh = s.batch * s.heads;
  const variant = variantFor(gpu, tiling, s, io.keyMask !== null);
  const mask = io.keyMask ?? io.q;
  const step = stepResource(s.dropout?.step ?? NO_STEP);
  if (bh * s.tq > 0) {
    const { blocks, groups } = rowBlocks(gpu, variant, s.tq, bh);
    const resources = [io.q, io.k, io.v, mask, io.out, io.dOut, io.lse, io.dq, io.delta, attentionParams(s, blocks), step];
    gpu.dispatch(attentionBackwardDqKernel, variant, resources, groups);
  }
  if (bh * s.tk > 0) {
    const { blocks, groups } = rowBlocks(gpu, variant, s.tk, bh);
    const resources = [io.q, io.k, io.v, mask, io.dOut, io.lse, io.delta, io.dk, io.dv, attentionParams(s, blocks), step];
    gpu.dispatch(attentionBackwardDkDvKernel, variant, resources, groups);
  }
}

/**
 * Records, in place on scores [B, H, Tq, Tk] = Q·Kᵀ: scores = scale·scores, masked entries −FLT_MAX.
 * `unused` is any other storage, bound where the key mask would be when there is none.
 */
export function encodeAttentionScores(gpu: Dispatcher, s: AttentionDims, keyMask: GpuStorage | null, scores: GpuStorage, unused: GpuStorage): void {
  const n = s.batch * s.heads * s.tq * s.tk;
  if (n === 0) return;
  const params = new ArrayBuffer(20);
  new Uint32Array(params, 0, 4).set([n, s.tq, s.tk, s.heads * s.tq * s.tk]);
  new Float32Array(params, 16, 1)[0] = s.scale;
  const groups = grid1D(Math.ceil(n / SCORES_WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(attentionScoresKernel, { causal: s.causal, keyMask: keyMask !== null }, [keyMask ?? unused, scores, new Uint8Array(params)], groups);
}
