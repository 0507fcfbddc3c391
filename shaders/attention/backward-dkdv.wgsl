// Fused attention backward, part 2 of 2: dK and dV, after backward-dq.wgsl wrote delta. Per key row j:
//   dV_j = Σ_i p_ij·Z_ij·dO_i,  dK_j = scale·Σ_i dS_ij·q_i,  dS_ij = p_ij·(Z_ij·dO_i·v_j − delta_i),
// with p_ij = exp(scale·q_i·k_j − lse_i) recomputed. Each invocation owns ROWS key rows (k, v and
// both accumulators as generated straight-line code); queries stream past in tiles of BC (staged in
// workgroup memory with STAGE). dK/dV and dQ in separate passes means no two invocations ever add
// into the same output: no atomics, the same bits every run.

${ATTENTION_COMMON}

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;
@group(0) @binding(3) var<storage, read> key_mask: array<u32>;
@group(0) @binding(4) var<storage, read> d_out: array<vec4f>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read> delta: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<vec4f>;
@group(0) @binding(8) var<storage, read_write> dv: array<vec4f>;
@group(0) @binding(9) var<uniform> params: Params;
@group(0) @binding(10) var<uniform> step: Step;

#if ${STAGE}
var<workgroup> q_tile: array<vec4f, BC * DH4>;
var<workgroup> do_tile: array<vec4f, BC * DH4>;
var<workgroup> lse_tile: array<f32, BC>;
var<workgroup> delta_tile: array<f32, BC>;
#endif

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
  let first_key = blk.first;
  let position = lane_position(lane);
  let lane_row = position.x;
  let col = position.y;
  let q_base = bh * params.tq;

  // Per key row r: j{r}, key{r} = bh·Tk + j{r}, k{r}_{d} (pre-scaled), v{r}_{d}, dk{r}_{d}, dv{r}_{d}.
${ROW_INIT}

  // Causal: queries before this block's first key see none of its keys.
  var query_start = 0u;
#if ${CAUSAL}
  query_start = min(first_key, params.tq);
#endif
  for (var i0 = query_start; i0 < params.tq; i0 += BC) {
#if ${STAGE}
    workgroupBarrier();
    for (var e = lane; e < BC * DH4; e += ${WORKGROUP_X}u) {
      let i = min(i0 + e / DH4, params.tq - 1u);
      q_tile[e] = q[(q_base + i) * DH4 + e % DH4];
      do_tile[e] = d_out[(q_base + i) * DH4 + e % DH4];
    }
    for (var e = lane; e < BC; e += ${WORKGROUP_X}u) {
      let i = min(i0 + e, params.tq - 1u);
      lse_tile[e] = lse[q_base + i];
      delta_tile[e] = delta[q_base + i];
    }
    workgroupBarrier();
#endif
    let tile_end = min(BC, params.tq - i0);
    for (var ii = 0u; ii < tile_end; ii++) {
      let i = i0 + ii;
#if ${STAGE}
      let at = ii * DH4;
      let row_lse = lse_tile[ii];
      let row_delta = delta_tile[ii];
#else
      let at = (q_base + i) * DH4;
      let row_lse = lse[q_base + i];
      let row_delta = delta[q_base + i];
#endif
${LOAD_Q}
${LOAD_DO}
${ROW_GRADS}
    }
  }

${ROW_STORE}
}
