// Gradient clipping by global norm, in place and without reading the norm back to the CPU:
// x ← x · min(1, max_norm / (norm + 1e-6)), with norm = norm[0] from globalNorm (as
// torch.nn.utils.clip_grad_norm_). One element per invocation, rows spread over x and y workgroups.

struct Params {
  n: u32,
  max_norm: f32,
}

@group(0) @binding(0) var<storage, read> norm: array<f32>;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
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
  x[i] *= min(1.0, params.max_norm / (norm[0] + 1e-6));
}
