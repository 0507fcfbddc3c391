// LayerNorm backward, second half: dγ[j] and dβ[j] as the sums of the per-block partials written
// by layernorm-backward, one column per invocation, blocks added in order 0, 1, … (deterministic).
// With no blocks (no rows) the gradients are zeros.

struct Params {
  dim: u32,
  blocks: u32,
}

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(2) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let j = (group.y * groups.x + group.x) * ${WORKGROUP_X}u + lane;
  let dim = params.dim;
  if (j >= dim) {
    return;
  }
  var gammaSum = 0.0;
  var betaSum = 0.0;
  for (var b = 0u; b < params.blocks; b++) {
    gammaSum += partials[b * 2u * dim + j];
    betaSum += partials[b * 2u * dim + dim + j];
  }
  dgamma[j] = gammaSum;
  dbeta[j] = betaSum;
}
