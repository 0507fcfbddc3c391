// LayerNorm forward over the last dimension: one workgroup per row, a strided loop over the row
// (any row length), workgroup-memory tree reductions (fixed order, so every run gives the same bits).
// Two passes for the statistics, mean then Σ(x − mean)², because E[x²] − E[x]² cancels badly.
// mean and rstd are saved for the backward. Rows may be spread over x and y workgroups.

struct Params {
  rows: u32,
  dim: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

${WORKGROUP_REDUCE}

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let row = group.y * groups.x + group.x;
  if (row >= params.rows) {
    return;
  }
  let dim = params.dim;
  let base = row * dim;

  var sum = 0.0;
  for (var j = lane; j < dim; j += ${WORKGROUP_X}u) {
    sum += x[base + j];
  }
  let m = workgroupSum(lane, sum) / f32(dim);

  var squares = 0.0;
  for (var j = lane; j < dim; j += ${WORKGROUP_X}u) {
    let d = x[base + j] - m;
    squares += d * d;
  }
  let s = inverseSqrt(workgroupSum(lane, squares) / f32(dim) + params.eps);

  for (var j = lane; j < dim; j += ${WORKGROUP_X}u) {
    y[base + j] = (x[base + j] - m) * s * gamma[j] + beta[j];
  }
  if (lane == 0u) {
    mean[row] = m;
    rstd[row] = s;
  }
}
