// Fused attention forward (flash-attention style): out = dropout(softmax(scale·Q·Kᵀ + mask))·V and
// the row log-sum-exp, without writing any [Tq, Tk] matrix. Each invocation owns ROWS query rows:
// their q (pre-scaled), output accumulator o, running max m and running sum l live in registers.
// Keys stream past in tiles of BC; per tile the online softmax rescales o and l by exp(m − m_new)
// and adds the tile's p·v. With STAGE the workgroup first copies each K/V tile to workgroup memory
// (real GPUs); without, invocations read K/V from storage (CPU adapters: cached memory either way).
// A workgroup covers BLOCK_ROWS consecutive query rows.
//
// The per-row code (ROW_* placeholders) is generated in src/kernels/attention-codegen.ts as straight-line
// code over Dh, one named vec4 per 4 elements: no private arrays indexed in loops, which GPU
// compilers would spill and lavapipe's compiler lowers to if-ladders (a minute per pipeline).
// Masked scores are NEG_MAX, and only compared or selected: WGSL need not honour infinities.

${ATTENTION_COMMON}

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;
@group(0) @binding(3) var<storage, read> key_mask: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;
@group(0) @binding(7) var<uniform> step: Step;

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let blk = row_block(group, groups);
  if (blk.bh >= params.batch_heads) {
    return;
  }
  let bh = blk.bh;
  let b = blk.b;
  let first_row = blk.first;
  let position = lane_position(lane);
  let lane_row = position.x;
  let col = position.y;
  let kv_base = bh * params.tk * DH4;

  // Per row r: i{r} (query index), row{r} = bh·Tq + i{r}, q{r}_{d}, o{r}_{d}, m{r}, l{r}, s{r}.
${ROW_INIT}

  // Causal: no row of this block sees keys past its last row.
  var key_end = params.tk;
#if ${CAUSAL}
  key_end = min(params.tk, first_row + BLOCK_ROWS);
#endif
  for (var j0 = 0u; j0 < key_end; j0 += BC) {
#if ${STAGE}
    stage_kv_tile(kv_base, j0, lane);
#endif
    // A run-time trip count (the tile's valid keys): compilers keep these loops rolled, where a
    // constant BC let lavapipe unroll the Dh-long bodies (53 s to compile a pipeline, 8.6 s rolled).
    let tile_end = min(BC, params.tk - j0);

    // Scores of the tile, and each row's tile maximum.
${ROW_TILE_MAX_INIT}
    for (var jj = 0u; jj < tile_end; jj++) {
      let j = j0 + jj;
      let at = ${KV_AT};
${LOAD_K}
${ROW_SCORES}
    }

    // Online softmax: rescale by exp(m − m_new) (1 while nothing is visible, 0 for the first visible tile).
${ROW_RESCALE}
    for (var jj = 0u; jj < tile_end; jj++) {
      let j = j0 + jj;
      let at = ${KV_AT};
${LOAD_V}
${ROW_ACCUMULATE}
    }
  }

  // A row that saw no key has l = 0: output 0, lse −∞.
  var neg_inf_bits = 0xff800000u; // a var: the bitcast to −∞ happens at run time, not in a const-expression
  let neg_inf = bitcast<f32>(neg_inf_bits);
${ROW_STORE}
}
