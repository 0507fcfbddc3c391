// LayerNorm forward over the last dimension, in one of two layouts (src/kernels/rows.ts):
// - one workgroup per row: a strided loop over the row, then workgroup-memory tree reductions;
// - ROW_PER_INVOCATION: one row per invocation, a serial loop over the row, no barriers.
// Either way the order of every sum is fixed, so every run gives the same bits.
// Two passes for the statistics, mean then Σ(x − mean)², because E[x²] − E[x]² cancels badly.
// The mean is summed relative to the row's first value (see below).
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
  let dim = params.dim;
  let base = row * dim;

  // The mean as x[0] + mean(x − x[0]): the differences are exact for nearby values, so a row far
  // from 0 (x ≈ 1000) does not lose its spread to the rounding of a large running sum (a serial
  // sum of D values near 1000 is off by ~√D·ulp(1000·D)).
  let shift = x[base];
  var sum = 0.0;
  for (var j = first; j < dim; j += step) {
    sum += x[base + j] - shift;
  }
  let m = shift + rowSum(lane, sum) / f32(dim);

  var squares = 0.0;
  for (var j = first; j < dim; j += step) {
    let d = x[base + j] - m;
    squares += d * d;
  }
  let s = inverseSqrt(rowSum(lane, squares) / f32(dim) + params.eps);

  for (var j = first; j < dim; j += step) {
    y[base + j] = (x[base + j] - m) * s * gamma[j] + beta[j];
  }
  if (first == 0u) {
    mean[row] = m;
    rstd[row] = s;
  }
}
