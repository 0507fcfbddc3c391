// out[i] = s · x[i], with s a uniform, so a new s reuses the pipeline (learning-rate and loss scales).
// T is f32 or f16. Workgroups may be spread over x and y (see binary.wgsl).
#if ${F16}
enable f16;
#endif

struct Params {
  n: u32,
  s: f32,
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
  // Computed in f32 and rounded once, also for f16 storage.
  out[i] = ${T}(params.s * f32(x[i]));
}
