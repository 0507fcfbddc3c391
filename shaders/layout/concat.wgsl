// Two tensors joined along one axis, both seen as [outer, dim, inner] (the joined axis in the middle):
//   out[o, k, i] = a[o, k, i] for k < dim_a, else b[o, k − dim_a, i];  out [outer, dim_a + dim_b, inner]
// One output element per invocation, every one written. T is f32, or vec4<f32> when inner is a
// multiple of 4 (inner, n and the offsets then count vec4s).
// Workgroups may be spread over x and y (see elementwise/binary.wgsl).

struct Params {
  n: u32, // output elements
  inner: u32,
  dim_a: u32,
  dim_b: u32,
}

@group(0) @binding(0) var<storage, read> a: array<${T}>;
@group(0) @binding(1) var<storage, read> b: array<${T}>;
@group(0) @binding(2) var<storage, read_write> out: array<${T}>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let i = (group.y * groups.x + group.x) * ${WORKGROUP_X}u + lane;
  if (i >= params.n) {
    return;
  }
  let c = i % params.inner;
  let rest = i / params.inner;
  let dim = params.dim_a + params.dim_b;
  let k = rest % dim;
  let o = rest / dim;
  if (k < params.dim_a) {
    out[i] = a[(o * params.dim_a + k) * params.inner + c];
  } else {
    out[i] = b[(o * params.dim_b + k - params.dim_a) * params.inner + c];
  }
}
