// out = x with its dims permuted, one output element per invocation: the flat output index is
// split into coordinates over out's shape (last dim fastest), and each coordinate k steps through x
// by in_stride[k], the stride in x of the dim that became out's dim k.
// The TS side pads the shape at the front to 6 dims (size 1, stride 0), merges dims that stay
// adjacent, and packs both arrays into vec4s (uniform arrays need a 16-byte element stride).
// Variants: T is the element type; when x's last dim stays last and is a multiple of 4, T is a
// vec4 of it and the shape, strides and n count vec4s (16 bytes move per invocation). RUN > 1 (such a
// kept last dim only): each invocation copies RUN consecutive vec4s, its last coordinate counting runs.
// Workgroups may be spread over x and y (see elementwise/binary.wgsl).

struct Params {
  n: u32,
  // n sits alone in the first 16 bytes; the arrays start at byte 16.
  out_shape: array<vec4u, 2>,
  in_stride: array<vec4u, 2>,
}

@group(0) @binding(0) var<storage, read> x: array<${T}>;
@group(0) @binding(1) var<storage, read_write> out: array<${T}>;
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
  var rest = i;
  var source = 0u;
  // Coordinates from the last dim (fastest) to the first.
  for (var j = 0u; j < 6u; j++) {
    let k = 5u - j;
    let size = params.out_shape[k / 4u][k % 4u];
    source += (rest % size) * params.in_stride[k / 4u][k % 4u];
    rest /= size;
  }
  for (var t = 0u; t < ${RUN}u; t++) {
    out[i * ${RUN}u + t] = x[source + t];
  }
}
