// LayerNorm backward, first half: dx for every row, and per-block partial sums of dγ and dβ.
// A block of consecutive rows goes to one workgroup (a strided loop over each row's columns, a
// workgroup-memory tree for the row sums) or, with ROW_PER_INVOCATION, to one invocation (a serial
// loop over each row, no barriers); src/kernels/rows.ts says which layout runs where.
// With x̂ = (x − mean)·rstd and g = dy·γ: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)).
// partials[block] holds Σ dy·x̂ (dim values) then Σ dy (dim values) over the block's rows. An
// invocation touches the same columns (column, column + step, …) in every row of its block, so it
// alone owns those partials: no atomics, and layernorm-param-grads then sums the blocks in a fixed order.

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
#if ${ROW_PER_INVOCATION}
  let block = (group.y * groups.x + group.x) * ${WORKGROUP_X}u + lane;
  let column = 0u; // this invocation's columns: column, column + step, …
  let step = 1u;
#else
  let block = group.y * groups.x + group.x;
  let column = lane;
  let step = ${WORKGROUP_X}u;
#endif
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
    for (var j = column; j < dim; j += step) {
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
    let means = rowSum(lane, sums) / f32(dim);
    for (var j = column; j < dim; j += step) {
      let xhat = (x[base + j] - m) * s;
      dx[base + j] = s * (dy[base + j] * gamma[j] - means.x - xhat * means.y);
    }
  }
}
