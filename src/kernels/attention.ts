import commonSource from '../../shaders/common/attention.wgsl';
import forwardSource from '../../shaders/attention/forward.wgsl';
import backwardDqSource from '../../shaders/attention/backward-dq.wgsl';
import backwardDkDvSource from '../../shaders/attention/backward-dkdv.wgsl';
import scoresSource from '../../shaders/attention/scores.wgsl';
import { attentionBackwardReference, attentionReference } from '../reference/attention.js';
import type { DropoutMask } from '../backend/contract.js';
import { type Dispatcher, type GpuStorage, type Kernel, type ShaderDefines, grid1D } from './kernel.js';
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

/**
 * Tilings. CPU adapters read K/V straight from (cached) storage and, with subgroups, split each row
 * over 4 invocations that hold 8 rows of Dh/4 each, so every K/V value loaded feeds 8 FMAs
 * (SwiftShader, B8-H12-T256-D64: 4.0 s with 4 rows, 1.6–2.0 s with 8 or 16, 6.8 s with `cpu`).
 * `cpu-subgroups-compact` holds 4: lavapipe's LLVM takes minutes over bigger blocks. GPUs stage
 * K/V tiles in workgroup memory; `gpu` (one row per invocation, 128 per workgroup) is the layout
 * timed on an H100, `gpu-subgroups` is tested but not yet timed on a GPU.
 */
export const ATTENTION_TILINGS = {
  cpu: { workgroup: 64, rows: 1, stage: false, split: 1 },
  'cpu-subgroups': { workgroup: 64, rows: 8, stage: false, split: 4 },
  'cpu-subgroups-compact': { workgroup: 64, rows: 4, stage: false, split: 4 },
  gpu: { workgroup: 128, rows: 1, stage: true, split: 1 },
  'gpu-subgroups': { workgroup: 128, rows: 4, stage: true, split: 4 },
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

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Placeholders every fused kernel shares. */
function commonDefines({ dh4, rows, tile, stage, split, workgroup, causal, keyMask, dropout }: AttentionVariant) {
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
    // The K/V tiles in workgroup memory (forward and dQ, when staged); dK/dV stages its own Q/dO tiles.
    KV_TILES: false,
  };
}

/** The K/V reads of the forward and dQ kernels: the tile's row `at`, and this invocation's vec4s of k and v there. */
function kvDefines(v: AttentionVariant, g: ReturnType<typeof generator>) {
  const [kSource, vSource] = v.stage ? ['k_tile', 'v_tile'] : ['k', 'v'];
  return {
    KV_TILES: v.stage,
    KV_AT: v.stage ? 'jj * DH4 + col' : 'kv_base + j * DH4 + col',
    LOAD_K: g.overD((d) => `      let k_${d} = ${kSource}[at + ${d}u];`).join('\n'),
    LOAD_V: g.overD((d) => `      let v_${d} = ${vSource}[at + ${d}u];`).join('\n'),
  };
}

/**
 * Straight-line code generation over the head dimension: `rows(indent, line)` repeats `line(r)` for
 * every owned row r, `overD(line)` repeats `line(d)` for this invocation's vec4s d of a row;
 * `dotChain` is Σ_d a_d ⊙ b_d as one vec4 (fma chain), `rowSum` its sum over the whole row.
 */
function generator(v: AttentionVariant) {
  const rows = range(v.rows);
  const ds = range(v.dh4 / v.split); // this invocation's vec4s of a row: columns col + d
  const indent = (n: number) => (line: string) => `${' '.repeat(n)}${line}`;
  return {
    rows: (n: number, line: (r: number) => string[]) => rows.flatMap(line).map(indent(n)).join('\n'),
    overD: (line: (d: number) => string) => ds.map(line),
    dotChain: (name: string, a: (d: number) => string, b: (d: number) => string) => [
      `var ${name} = ${a(0)} * ${b(0)};`,
      ...ds.slice(1).map((d) => `${name} = fma(${a(d)}, ${b(d)}, ${name});`),
    ],
    /** `let name = Σ of the vec4 expression over the whole row` (a shuffle-xor butterfly over the row's lanes when split). */
    rowSum: (name: string, vec: string) => [
      `${v.split > 1 ? 'var' : 'let'} ${name} = dot(${vec}, ${ONE});`,
      ...range(Math.log2(v.split)).map((bit) => `${name} += subgroupShuffleXor(${name}, ${1 << bit}u);`),
    ],
  };
}

const ONE = 'vec4f(1.0)';

/** The forward's and dQ's first lines per query row r: i{r}, its storage row row{r}, and q{r}_{d} pre-scaled. */
function queryRowInit(g: ReturnType<typeof generator>, r: number): string[] {
  return [
    `let i${r} = first_row + ${r}u * ROW_LANES + lane_row;`,
    `let row${r} = bh * params.tq + min(i${r}, params.tq - 1u);`,
    ...g.overD((d) => `let q${r}_${d} = q[row${r} * DH4 + col + ${d}u] * params.scale;`),
  ];
}

function forwardDefines(v: AttentionVariant) {
  const g = generator(v);
  return {
    ...commonDefines(v),
    ...kvDefines(v, g),
    ROW_INIT: g.rows(2, (r) => [
      ...queryRowInit(g, r),
      ...g.overD((d) => `var o${r}_${d} = vec4f(0.0);`),
      `var m${r} = NEG_MAX;`,
      `var l${r} = 0.0;`,
      `var s${r}: array<f32, BC>;`,
    ]),
    ROW_TILE_MAX_INIT: g.rows(4, (r) => [`var tile_max${r} = NEG_MAX;`]),
    ROW_SCORES: g.rows(6, (r) => [
      ...g.dotChain(
        `dot${r}`,
        (d) => `q${r}_${d}`,
        (d) => `k_${d}`,
      ),
      ...g.rowSum(`score${r}`, `dot${r}`),
      `s${r}[jj] = select(NEG_MAX, score${r}, attends(b, i${r}, j));`,
      `tile_max${r} = max(tile_max${r}, s${r}[jj]);`,
    ]),
    ROW_RESCALE: g.rows(4, (r) => [
      `let m_new${r} = max(m${r}, tile_max${r});`,
      `let correction${r} = exp(m${r} - m_new${r});`,
      `m${r} = m_new${r};`,
      `l${r} *= correction${r};`,
      ...g.overD((d) => `o${r}_${d} *= correction${r};`),
    ]),
    ROW_ACCUMULATE: g.rows(6, (r) => [
      `let p${r} = select(0.0, exp(s${r}[jj] - m${r}), s${r}[jj] > NEG_MAX);`,
      `l${r} += p${r};`,
      `let pv${r} = vec4f(p${r} * dropout_factor(row${r}, j));`,
      ...g.overD((d) => `o${r}_${d} = fma(pv${r}, v_${d}, o${r}_${d});`),
    ]),
    ROW_STORE: g.rows(2, (r) => [
      `if (i${r} < params.tq) {`,
      `  let inv${r} = select(0.0, 1.0 / l${r}, l${r} > 0.0);`,
      ...g.overD((d) => `  out[row${r} * DH4 + col + ${d}u] = o${r}_${d} * inv${r};`),
      `  if (col == 0u) {`,
      `    lse[row${r}] = select(neg_inf, m${r} + log(l${r}), l${r} > 0.0);`,
      '  }',
      '}',
    ]),
  };
}

function backwardDqDefines(v: AttentionVariant) {
  const g = generator(v);
  return {
    ...commonDefines(v),
    ...kvDefines(v, g),
    ROW_INIT: g.rows(2, (r) => [
      ...queryRowInit(g, r),
      ...g.overD((d) => `let do${r}_${d} = d_out[row${r} * DH4 + col + ${d}u];`),
      ...g.overD((d) => `var dq${r}_${d} = vec4f(0.0);`),
      `let lse${r} = lse[row${r}];`,
      ...g.dotChain(
        `delta4_${r}`,
        (d) => `do${r}_${d}`,
        (d) => `out[row${r} * DH4 + col + ${d}u]`,
      ),
      ...g.rowSum(`delta${r}`, `delta4_${r}`),
    ]),
    ROW_GRADS: g.rows(6, (r) => [
      ...g.dotChain(
        `s4_${r}`,
        (d) => `q${r}_${d}`,
        (d) => `k_${d}`,
      ),
      ...g.dotChain(
        `dp4_${r}`,
        (d) => `do${r}_${d}`,
        (d) => `v_${d}`,
      ),
      ...g.rowSum(`score${r}`, `s4_${r}`),
      ...g.rowSum(`dp${r}`, `dp4_${r}`),
      `let p${r} = select(0.0, exp(score${r} - lse${r}), attends(b, i${r}, j));`,
      `let ds${r} = vec4f(p${r} * (dropout_factor(row${r}, j) * dp${r} - delta${r}));`,
      ...g.overD((d) => `dq${r}_${d} = fma(ds${r}, k_${d}, dq${r}_${d});`),
    ]),
    ROW_STORE: g.rows(2, (r) => [
      `if (i${r} < params.tq) {`,
      ...g.overD((d) => `  dq[row${r} * DH4 + col + ${d}u] = dq${r}_${d} * params.scale;`),
      `  if (col == 0u) {`,
      `    delta[row${r}] = delta${r};`,
      '  }',
      '}',
    ]),
  };
}

function backwardDkDvDefines(v: AttentionVariant) {
  const g = generator(v);
  const qSource = v.stage ? 'q_tile' : 'q';
  const doSource = v.stage ? 'do_tile' : 'd_out';
  return {
    ...commonDefines(v),
    LOAD_Q: g.overD((d) => `      let q_${d} = ${qSource}[at + col + ${d}u];`).join('\n'),
    LOAD_DO: g.overD((d) => `      let do_${d} = ${doSource}[at + col + ${d}u];`).join('\n'),
    ROW_INIT: g.rows(2, (r) => [
      `let j${r} = first_key + ${r}u * ROW_LANES + lane_row;`,
      `let key${r} = bh * params.tk + min(j${r}, params.tk - 1u);`,
      ...g.overD((d) => `let k${r}_${d} = k[key${r} * DH4 + col + ${d}u] * params.scale;`),
      ...g.overD((d) => `let v${r}_${d} = v[key${r} * DH4 + col + ${d}u];`),
      ...g.overD((d) => `var dk${r}_${d} = vec4f(0.0);`),
      ...g.overD((d) => `var dv${r}_${d} = vec4f(0.0);`),
    ]),
    ROW_GRADS: g.rows(6, (r) => [
      ...g.dotChain(
        `s4_${r}`,
        (d) => `q_${d}`,
        (d) => `k${r}_${d}`,
      ),
      ...g.dotChain(
        `dp4_${r}`,
        (d) => `do_${d}`,
        (d) => `v${r}_${d}`,
      ),
      ...g.rowSum(`score${r}`, `s4_${r}`),
      ...g.rowSum(`dp${r}`, `dp4_${r}`),
      `let p${r} = select(0.0, exp(score${r} - row_lse), attends(b, i, j${r}));`,
      `let z${r} = dropout_factor(q_base + i, j${r});`,
      `let pz${r} = vec4f(p${r} * z${r});`,
      `let ds${r} = vec4f(p${r} * (z${r} * dp${r} - row_delta));`,
      ...g.overD((d) => `dv${r}_${d} = fma(pz${r}, do_${d}, dv${r}_${d});`),
      ...g.overD((d) => `dk${r}_${d} = fma(ds${r}, q_${d}, dk${r}_${d});`),
    ]),
    ROW_STORE: g.rows(2, (r) => [
      `if (j${r} < params.tk) {`,
      ...g.overD((d) => `  dk[key${r} * DH4 + col + ${d}u] = dk${r}_${d} * params.scale;`),
      ...g.overD((d) => `  dv[key${r} * DH4 + col + ${d}u] = dv${r}_${d};`),
      '}',
    ]),
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
export const attentionForwardKernel = fusedKernel('attention/forward', forwardSource, ['q', 'k', 'v', 'key_mask'], ['out', 'lse'], forwardDefines);

/** Backward part 1: dQ, and delta = rowsum(dO ∘ O) for part 2. */
export const attentionBackwardDqKernel = fusedKernel(
  'attention/backward-dq',
  backwardDqSource,
  ['q', 'k', 'v', 'key_mask', 'out', 'd_out', 'lse'],
  ['dq', 'delta'],
  backwardDqDefines,
);

/** Backward part 2: dK and dV; each invocation owns `rows` key rows, queries stream in tiles. */
export const attentionBackwardDkDvKernel = fusedKernel(
  'attention/backward-dkdv',
  backwardDkDvSource,
  ['q', 'k', 'v', 'key_mask', 'd_out', 'lse', 'delta'],
  ['dk', 'dv'],
  backwardDkDvDefines,
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
