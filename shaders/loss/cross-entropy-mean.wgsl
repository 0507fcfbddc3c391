// Cross-entropy forward, the mean: loss = Σ row_loss / #(labels ≠ ignore_index), or 0 when every
// row is ignored. One workgroup; each lane sums a fixed strided subset in order, then a fixed tree
// in workgroup memory, so the result has the same bits every run (no atomics).

struct Params {
  n: u32,
  ignore_index: i32,
}

@group(0) @binding(0) var<storage, read> labels: array<i32>;
@group(0) @binding(1) var<storage, read> row_loss: array<f32>;
@group(0) @binding(2) var<storage, read_write> loss: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> partial_sum: array<f32, ${WORKGROUP_X}>;
var<workgroup> partial_count: array<u32, ${WORKGROUP_X}>;

@compute @workgroup_size(${WORKGROUP_X})
fn main(@builtin(local_invocation_index) lane: u32) {
  var sum = 0.0;
  var count = 0u;
  for (var i = lane; i < params.n; i += ${WORKGROUP_X}u) {
    sum += row_loss[i];
    count += select(0u, 1u, labels[i] != params.ignore_index);
  }
  partial_sum[lane] = sum;
  partial_count[lane] = count;
  workgroupBarrier();
  for (var stride = ${WORKGROUP_X}u / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial_sum[lane] += partial_sum[lane + stride];
      partial_count[lane] += partial_count[lane + stride];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    let rows = partial_count[0];
    loss[0] = select(partial_sum[0] / f32(rows), 0.0, rows == 0u);
  }
}
