// Softmax over the last dimension with an optional additive mask: v = x + mask,
// y = exp(v − max v) / Σ exp(v − max v). One workgroup per row (a strided loop over the row, any
// length, then workgroup-memory tree reductions) or, with ROW_PER_INVOCATION, one row per
// invocation (a serial loop, no barriers); see src/kernels/rows.ts. Fixed order either way: the
// same bits every run. Rows may be spread over x and y workgroups.
// The mask repeats every mask_rows rows (it broadcasts over the leading dimensions of x).
// Values ≤ −FLT_MAX count as −∞ and contribute 0, without relying on infinity arithmetic; a row
// with nothing else gives zeros, not 0/0.

struct Params {
  rows: u32,
  n: u32,
  mask_rows: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
// Without MASKED the op binds x here too; the shader does not read it.
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

const NEG_MAX = -0x1.fffffep+127f;

${WORKGROUP_REDUCE}

fn logit(base: u32, mask_base: u32, j: u32) -> f32 {
#if ${MASKED}
  return x[base + j] + mask[mask_base + j];
#else
  return x[base + j];
#endif
}

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
  let n = params.n;
  let base = row * n;
  let mask_base = (row % params.mask_rows) * n;

  var local_max = NEG_MAX;
  for (var j = first; j < n; j += step) {
    local_max = max(local_max, logit(base, mask_base, j));
  }
  let m = rowMax(lane, local_max);

  var sum = 0.0;
  for (var j = first; j < n; j += step) {
    let v = logit(base, mask_base, j);
    sum += select(exp(v - m), 0.0, v <= NEG_MAX);
  }
  let total = rowSum(lane, sum);

  // total ≥ 1 unless every entry is masked (the max contributes exp(0)); then write zeros.
  for (var j = first; j < n; j += step) {
    let v = logit(base, mask_base, j);
    y[base + j] = select(exp(v - m) / total, 0.0, v <= NEG_MAX);
  }
}
