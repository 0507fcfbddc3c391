// Elementwise binary op, b broadcast over a's leading dims: out[i] = a[i] OP b[i % b_size].
// b's shape is a's shape or a suffix of it (a bias [N] onto [M, N]), so in row-major order b
// simply repeats every b_size elements of a.
// Variants: OP_ADD / OP_MUL / OP_ADD_SCALED (a + s·b, s a uniform so a new s needs no new
// pipeline) pick the op; T is the element type (f32, f16, i32, u32; f32 and f16 for OP_ADD_SCALED).
// BROADCAST (add and mul): NumPy broadcasting of both sides instead. The TS side merges dims and
// pads the result's shape at the front to 6 dims (size 1); each operand has a stride per dim, 0
// along the dims it repeats. The flat index is split into coordinates (last dim fastest) and each
// operand's index is the sum of coordinate × stride.
// Workgroups may be spread over x and y when there are more than the device allows in x;
// the flat index is rebuilt from num_workgroups.x.
#if ${F16}
enable f16;
#endif

struct Params {
  n: u32,
  b_size: u32,
  s: f32,
#if ${BROADCAST}
  // The arrays start at byte 16 (vec4 alignment); uniform arrays need a 16-byte element stride.
  out_shape: array<vec4u, 2>,
  a_stride: array<vec4u, 2>,
  b_stride: array<vec4u, 2>,
#endif
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
#if ${BROADCAST}
  var rest = i;
  var ia = 0u;
  var j = 0u;
  for (var d = 0u; d < 6u; d++) {
    let k = 5u - d; // the last dim first
    let size = params.out_shape[k / 4u][k % 4u];
    let coordinate = rest % size;
    rest = rest / size;
    ia += coordinate * params.a_stride[k / 4u][k % 4u];
    j += coordinate * params.b_stride[k / 4u][k % 4u];
  }
#if ${OP_ADD}
  out[i] = a[ia] + b[j];
#else
  out[i] = a[ia] * b[j];
#endif
#else
  // Same shapes: b_size == n and the modulo is the identity.
  let j = i % params.b_size;
#if ${OP_ADD}
  out[i] = a[i] + b[j];
#elif ${OP_MUL}
  out[i] = a[i] * b[j];
#elif ${OP_ADD_SCALED}
  // Computed in f32 and rounded once, also for f16 storage.
  out[i] = ${T}(f32(a[i]) + params.s * f32(b[j]));
#endif
#endif
}
