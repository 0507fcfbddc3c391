// Cross-entropy forward, per row: logits [N, C] (f32), labels [N] (i32).
// One workgroup per row with a strided loop over the row, or with ROW_PER_INVOCATION one row per
// invocation with a serial loop over it (no workgroup memory, no barriers; src/kernels/rows.ts
// says which layout runs where). Any C works, vocabularies included:
//   pass 1: m = max_c x[c];  pass 2: Σ exp(x[c] − m) and Σ x[c];  lse = m + log Σ exp(x − m).
//   row_loss = (1 − ε)·(lse − x[y]) + ε·(lse − Σ x / C)   (−log p[y] and the mean of −log p[c])
// Ignored rows (label = ignore_index) get row_loss 0; a label outside [0, C) gets NaN so the mean is NaN.
// The sums have a fixed order (serial, or a fixed tree through workgroup memory), so every run gives the same bits.
// Rows may be spread over x and y when N exceeds the per-dimension workgroup limit.

struct Params {
  n: u32,
  c: u32,
  ignore_index: i32,
  smoothing: f32,
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read_write> log_sum_exp: array<f32>;
@group(0) @binding(3) var<storage, read_write> row_loss: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

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
  if (row >= params.n) {
    return; // with a workgroup per row, the whole workgroup leaves together
  }
  let base = row * params.c;

  var row_max = logits[base]; // C ≥ 1, checked by the op
  for (var j = first; j < params.c; j += step) {
    row_max = max(row_max, logits[base + j]);
  }
  let m = rowMax(lane, vec2f(row_max, 0.0)).x;

  var sums = vec2f(0.0);
  for (var j = first; j < params.c; j += step) {
    let x = logits[base + j];
    sums += vec2f(exp(x - m), x);
  }
  let total = rowSum(lane, sums);

  if (first == 0u) {
    let lse = m + log(total.x);
    log_sum_exp[row] = lse;
    let label = labels[row];
    var loss = 0.0;
    if (label != params.ignore_index) {
      if (label < 0 || u32(label) >= params.c) {
        var nan_bits = 0x7fc00000u; // a var, not a constant: a constant expression may not be NaN
        loss = bitcast<f32>(nan_bits);
      } else {
        let nll = lse - logits[base + u32(label)];
        let mean_nll = lse - total.y / f32(params.c);
        loss = (1.0 - params.smoothing) * nll + params.smoothing * mean_nll;
      }
    }
    row_loss[row] = loss;
  }
}
