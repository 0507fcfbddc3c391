// Counts the labels that are not ignore_index (the divisor of the mean cross-entropy), so the
// backward needs no readback. One workgroup, a fixed strided loop and tree: integer, exact.

struct Params {
  n: u32,
  ignore_index: i32,
}

@group(0) @binding(0) var<storage, read> labels: array<i32>;
@group(0) @binding(1) var<storage, read_write> count: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> partial: array<u32, ${WORKGROUP_X}>;

@compute @workgroup_size(${WORKGROUP_X})
fn main(@builtin(local_invocation_index) lane: u32) {
  var counted = 0u;
  for (var i = lane; i < params.n; i += ${WORKGROUP_X}u) {
    counted += select(0u, 1u, labels[i] != params.ignore_index);
  }
  partial[lane] = counted;
  workgroupBarrier();
  for (var stride = ${WORKGROUP_X}u / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    count[0] = partial[0];
  }
}
