// Fused attention backward, part 1 of 2: dQ, and delta_i = dO_i·O_i for part 2. Per query row i
// (with Z the dropout factor, 1 without dropout):
//   p_ij = exp(scale·q_i·k_j − lse_i),  dS_ij = p_ij·(Z_ij·dO_i·v_j − delta_i),  dQ_i = scale·Σ_j dS_ij·k_j.
// The probabilities are recomputed from the saved lse; nothing [Tq, Tk] is read or written. The
// layout is the forward's (see forward.wgsl): ROWS query rows per invocation, held as generated
// straight-line code; keys stream past in tiles of BC (staged in workgroup memory with STAGE).

${ATTENTION_COMMON}

@group(0) @binding(0) var<storage, read> q: array<vec4f>;
@group(0) @binding(1) var<storage, read> k: array<vec4f>;
@group(0) @binding(2) var<storage, read> v: array<vec4f>;
@group(0) @binding(3) var<storage, read> key_mask: array<u32>;
@group(0) @binding(4) var<storage, read> out: array<vec4f>;
@group(0) @binding(5) var<storage, read> d_out: array<vec4f>;
@group(0) @binding(6) var<storage, read> lse: array<f32>;
@group(0) @binding(7) var<storage, read_write> dq: array<vec4f>;
@group(0) @binding(8) var<storage, read_write> delta: array<f32>;
@group(0) @binding(9) var<uniform> params: Params;
@group(0) @binding(10) var<uniform> step: Step;

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

  // Per row r: i{r}, row{r}, q{r}_{d} (pre-scaled), do{r}_{d}, dq{r}_{d}, lse{r}, delta{r}.
${ROW_INIT}

  var key_end = params.tk;
#if ${CAUSAL}
  key_end = min(params.tk, first_row + BLOCK_ROWS);
#endif
  for (var j0 = 0u; j0 < key_end; j0 += BC) {
#if ${STAGE}
    stage_kv_tile(kv_base, j0, lane);
#endif
    // A run-time trip count (the tile's valid keys): compilers keep the loop rolled.
    let tile_end = min(BC, params.tk - j0);
    for (var jj = 0u; jj < tile_end; jj++) {
      let j = j0 + jj;
      let at = ${KV_AT};
${LOAD_K}
${LOAD_V}
${ROW_GRADS}
    }
  }

${ROW_STORE}
}
