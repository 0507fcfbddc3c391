#if ${SUBGROUPS}
enable subgroups;
// The shuffles run in loops whose trip counts are uniform across the workgroup.
diagnostic(off, subgroup_uniformity);
#endif
// Shared by the attention kernels (pasted through an ATTENTION_COMMON placeholder, before any other
// declaration): the parameters, the row blocks, the K/V tile staging, the mask test and the dropout
// factor. Tensors are [B·H, T, Dh] as arrays of vec4f (Dh = 4·DH4).

const DH4: u32 = ${DH4}u;
const BC: u32 = ${BC}u;
// ROW_LANES rows per pass over the workgroup, SPLIT invocations per row, ROWS passes.
const ROW_LANES: u32 = ${ROW_LANES}u;
const BLOCK_ROWS: u32 = ROW_LANES * ${ROWS}u;
const NEG_MAX = -0x1.fffffep+127f;

// Bound as `step` by every attention kernel (only dropout reads it: its random offset).
${STEP}

struct Params {
  tq: u32,
  tk: u32,
  heads: u32,
  // Row blocks per (batch, head): query blocks for the forward and dQ, key blocks for dK/dV.
  blocks: u32,
  batch_heads: u32,
  scale: f32,
  // Dropout: drop when the Philox word is below drop_threshold; kept values are scaled by drop_scale.
  drop_threshold: u32,
  drop_scale: f32,
  key_lo: u32,
  key_hi: u32,
  offset_lo: u32,
  offset_hi: u32,
}

// Whether query i of batch b may attend key j (j < tk is the caller's to check).
fn attends(b: u32, i: u32, j: u32) -> bool {
  var visible = true;
#if ${CAUSAL}
  visible = j <= i;
#endif
#if ${KEY_MASK}
  visible = visible && key_mask[b * params.tk + j] != 0u;
#endif
  return visible;
}

#if ${DROPOUT}
${PHILOX}

// The dropout factor of probability (row, j), row = bh·Tq + i: drop_scale when kept, else 0. Its
// Philox stream position is offset + step offset + row·Tk + j, a 64-bit number kept as (lo, hi)
// words; the word is number (position mod 4) of the block for counter position / 4, as in
// shaders/dropout/dropout.wgsl. The step offset comes from the step uniform (rewritten every
// training step), the rest from params.
fn dropout_factor(row: u32, j: u32) -> f32 {
  let base_lo = params.offset_lo + step.random_offset_lo;
  let base_hi = params.offset_hi + step.random_offset_hi + select(0u, 1u, base_lo < step.random_offset_lo);
  let product_lo = row * params.tk;
  let product_hi = philox_mulhi(row, params.tk);
  let start_lo = base_lo + product_lo;
  let start_hi = base_hi + product_hi + select(0u, 1u, start_lo < product_lo);
  let lo = start_lo + j;
  let hi = start_hi + select(0u, 1u, lo < start_lo);
  let counter = vec4u((lo >> 2u) | (hi << 30u), hi >> 2u, 0u, 0u);
  let words = philox4x32_10(counter, vec2u(params.key_lo, params.key_hi));
  return select(0.0, params.drop_scale, words[lo & 3u] >= params.drop_threshold);
}
#else
fn dropout_factor(row: u32, j: u32) -> f32 {
  return 1.0;
}
#endif

// Which rows a workgroup owns: BLOCK_ROWS consecutive rows (queries, or keys for dK/dV) of head bh.
struct RowBlock {
  bh: u32,
  // The batch entry, for the key mask.
  b: u32,
  first: u32,
}

// Workgroups are numbered over x and y; `bh` ≥ batch_heads marks a spare one (the caller returns).
// Uniform across the workgroup (no lane in it), so the return keeps the barriers in uniform control flow.
fn row_block(group: vec3u, groups: vec3u) -> RowBlock {
  let block = group.y * groups.x + group.x;
  let bh = block / params.blocks;
  return RowBlock(bh, bh / params.heads, (block % params.blocks) * BLOCK_ROWS);
}

// An invocation's row within a pass (x) and the first of its DH4 / SPLIT vec4 columns (y).
fn lane_position(lane: u32) -> vec2u {
  return vec2u(lane / ${SPLIT}u, (lane % ${SPLIT}u) * (DH4 / ${SPLIT}u));
}

#if ${KV_TILES}
var<workgroup> k_tile: array<vec4f, BC * DH4>;
var<workgroup> v_tile: array<vec4f, BC * DH4>;

// Copies keys and values j0 .. j0 + BC − 1 of the head at kv_base to workgroup memory (the last
// key repeats past Tk), between barriers.
fn stage_kv_tile(kv_base: u32, j0: u32, lane: u32) {
  workgroupBarrier();
  for (var e = lane; e < BC * DH4; e += ${WORKGROUP_X}u) {
    let j = min(j0 + e / DH4, params.tk - 1u);
    k_tile[e] = k[kv_base + j * DH4 + e % DH4];
    v_tile[e] = v[kv_base + j * DH4 + e % DH4];
  }
  workgroupBarrier();
}
#endif
