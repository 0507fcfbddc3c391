// Softmax backward over the last dimension: dx = y ⊙ (dy − Σ_j dy_j·y_j), given the forward's y.
// One workgroup per row (a strided loop over the row, a workgroup-memory tree for the dot product)
// or, with ROW_PER_INVOCATION, one row per invocation (a serial loop, no barriers); see
// src/kernels/rows.ts. Fixed order either way: the same bits every run. Rows may be spread over
// x and y workgroups.

struct Params {
  rows: u32,
  n: u32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

${WORKGROUP_REDUCE}

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
#if ${ROW_PER_INVOCATION}
  let row = (group.y * groups.x + group.x) * ${WORKGROUP_X}u + lane;
  let first = 0u; // this invocation's columns: first, first + step, …
  let step = 1u;
#else
  let row = group.y * groups.x + group.x;
  let first = lane;
  let step = ${WORKGROUP_X}u;
#endif
  if (row >= params.rows) {
    return;
  }
  let base = row * params.n;
  var partial = 0.0;
  for (var j = first; j < params.n; j += step) {
    partial += dy[base + j] * y[base + j];
  }
  let total = rowSum(lane, partial);
  for (var j = first; j < params.n; j += step) {
    dx[base + j] = y[base + j] * (dy[base + j] - total);
  }
}
