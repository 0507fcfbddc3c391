// into[i] ← into[i] + s · x[i], in place (gradient accumulation over micro-batches). f32 only;
// s is a uniform, so a new s reuses the pipeline. Each invocation reads and writes only its own
// element, so the read_write binding needs no barrier. Workgroups may be spread over x and y
// (see binary.wgsl).

struct Params {
  n: u32,
  s: f32,
}

@group(0) @binding(0) var<storage, read_write> into: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
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
  into[i] = into[i] + params.s * x[i];
}
