// Cross-entropy backward: d_logits[i, c] = (exp(x[i, c] − lse_i) − target[i, c]) · scale / count,
// target = (1 − ε)·[c = y_i] + ε/C, count = non-ignored rows (from count-labels.wgsl).
// Ignored rows get zeros; a label outside [0, C) gets a NaN row (as the forward's NaN loss).
// One workgroup per row with a strided loop over it, or with ROW_PER_INVOCATION one row per
// invocation with a serial loop (src/kernels/rows.ts); rows may be spread over x and y.

struct Params {
  n: u32,
  c: u32,
  ignore_index: i32,
  smoothing: f32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read> log_sum_exp: array<f32>;
@group(0) @binding(3) var<storage, read> count: array<u32>;
@group(0) @binding(4) var<storage, read_write> d_logits: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

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
  if (row >= params.n) {
    return;
  }
  let base = row * params.c;
  let label = labels[row];

  if (label == params.ignore_index) {
    for (var j = first; j < params.c; j += step) {
      d_logits[base + j] = 0.0;
    }
    return;
  }
  if (label < 0 || u32(label) >= params.c) {
    var nan_bits = 0x7fc00000u; // a var, not a constant: a constant expression may not be NaN
    let nan = bitcast<f32>(nan_bits);
    for (var j = first; j < params.c; j += step) {
      d_logits[base + j] = nan;
    }
    return;
  }

  // count ≥ 1 here: this row is not ignored.
  let factor = params.scale / f32(count[0]);
  let lse = log_sum_exp[row];
  let spread = params.smoothing / f32(params.c);
  for (var j = first; j < params.c; j += step) {
    let p = exp(logits[base + j] - lse);
    let wanted = select(spread, spread + (1.0 - params.smoothing), j == u32(label));
    d_logits[base + j] = (p - wanted) * factor;
  }
}
