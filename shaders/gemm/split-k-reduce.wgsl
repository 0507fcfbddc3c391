// Adds up the split-K partial products of blocked.wgsl in a fixed order (so results are the
// same every run), then applies the epilogue: c[i] = activation(Σ_s partial[s][i] + bias[col]).

struct Params {
  // Elements of C (all batches).
  total: u32,
  n: u32,
  splits: u32,
}

@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

${ACTIVATION_FNS}

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let i = (group.y * groups.x + group.x) * ${WORKGROUP_X}u + lane;
  if (i >= params.total) {
    return;
  }
  var sum = 0.0;
  for (var s = 0u; s < params.splits; s++) {
    sum += partial[s * params.total + i];
  }
#if ${BIAS}
  sum += bias[i % params.n];
#endif
  c[i] = activation4(vec4(sum)).x;
}
