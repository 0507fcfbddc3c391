// A slice along one axis, with x seen as [outer, dim, inner] (the sliced axis in the middle):
//   forward  (BACKWARD false): out[o, j, i] = x[o, start + j, i], out [outer, length, inner]
//   backward (BACKWARD true):  dx[o, k, i] = dy[o, k − start, i] for start ≤ k < start + length,
//                              else 0; dx [outer, dim, inner]
// One output element per invocation. Every output element is written (the backward writes its
// zeros too), so the output needs no clearing first.
// Variants: T is the element type (f32, i32, u32 forward; f32 backward), or a vec4 of it when
// inner is a multiple of 4 (inner, n and the offsets then count vec4s).
// Workgroups may be spread over x and y (see elementwise/binary.wgsl).

struct Params {
  n: u32, // output elements
  inner: u32,
  length: u32,
  dim: u32,
  start: u32,
}

@group(0) @binding(0) var<storage, read> src: array<${T}>;
@group(0) @binding(1) var<storage, read_write> dst: array<${T}>;
@group(0) @binding(2) var<uniform> params: Params;

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
#if ${BACKWARD}
  let k = rest % params.dim;
  let o = rest / params.dim;
  var value = ${T}();
  if (k >= params.start && k - params.start < params.length) {
    value = src[(o * params.length + k - params.start) * params.inner + c];
  }
  dst[i] = value;
#else
  let j = rest % params.length;
  let o = rest / params.length;
  dst[i] = src[(o * params.dim + params.start + j) * params.inner + c];
#endif
}
