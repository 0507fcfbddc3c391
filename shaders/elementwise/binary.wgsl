// Elementwise binary op on two arrays of the same length: out[i] = a[i] OP b[i].
// Variants: OP_ADD / OP_MUL pick the op; T is the element type (f32, f16, i32, u32).
// Workgroups may be spread over x and y when there are more than the device allows in x;
// the flat index is rebuilt from num_workgroups.x.
#if ${F16}
enable f16;
#endif

struct Params {
  n: u32,
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
#if ${OP_ADD}
  out[i] = a[i] + b[i];
#elif ${OP_MUL}
  out[i] = a[i] * b[i];
#endif
}
