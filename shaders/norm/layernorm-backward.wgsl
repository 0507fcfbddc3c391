// LayerNorm backward, first half: dx for every row, and per-block partial sums of dγ and dβ.
// One workgroup per block of consecutive rows; within a row, a strided loop over the columns.
// With x̂ = (x − mean)·rstd and g = dy·γ: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)).
// partials[block] holds Σ dy·x̂ (dim values) then Σ dy (dim values) over the block's rows. Lane l
// touches the same columns (l, l + WORKGROUP_X, …) in every row, so it alone owns those partials:
// no atomics, and layernorm-param-grads then sums the blocks in a fixed order.

struct Params {
  rows: u32,
  dim: u32,
  rows_per_block: u32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> partials: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

${WORKGROUP_REDUCE}

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let block = group.y * groups.x + group.x;
  let first = block * params.rows_per_block;
  if (first >= params.rows) {
    return;
  }
  let last = min(first + params.rows_per_block, params.rows);
  let dim = params.dim;
  let gammaSums = block * 2u * dim;
  let betaSums = gammaSums + dim;

  for (var row = first; row < last; row++) {
    let base = row * dim;
    let m = mean[row];
    let s = rstd[row];
    var sums = vec2f(0.0);
    for (var j = lane; j < dim; j += ${WORKGROUP_X}u) {
      let d = dy[base + j];
      let xhat = (x[base + j] - m) * s;
      let g = d * gamma[j];
      sums += vec2f(g, g * xhat);
      if (row == first) {
        partials[gammaSums + j] = d * xhat;
        partials[betaSums + j] = d;
      } else {
        partials[gammaSums + j] += d * xhat;
        partials[betaSums + j] += d;
      }
    }
    let means = workgroupSum(lane, sums) / f32(dim);
    for (var j = lane; j < dim; j += ${WORKGROUP_X}u) {
      let xhat = (x[base + j] - m) * s;
      dx[base + j] = s * (dy[base + j] * gamma[j] - means.x - xhat * means.y);
    }
  }
}
