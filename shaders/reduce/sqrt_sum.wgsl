// out[0] = sqrt(Σ partials[i]), the last pass of globalNorm: one workgroup, lanes stride the
// partials, then a tree in workgroup memory (fixed order, the same bits every run).

struct Params {
  count: u32,
}

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> partial: array<f32, ${WORKGROUP_X}>;

@compute @workgroup_size(${WORKGROUP_X})
fn main(@builtin(local_invocation_index) lane: u32) {
  var acc = 0.0;
  for (var i = lane; i < params.count; i += ${WORKGROUP_X}u) {
    acc += partials[i];
  }
  partial[lane] = acc;
  workgroupBarrier();
  for (var stride = ${WORKGROUP_X}u / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    out[0] = sqrt(partial[0]);
  }
}
