// Activations of the feed-forward block, one element per invocation:
//   forward  (BACKWARD false): y[i]  = act(x[i])
//   backward (BACKWARD true):  dx[i] = dy[i] · act'(x[i])
// act is picked by GELU (exact, x·Φ(x)), GELU_TANH (0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))),
// RELU (max(x, 0), ReLU'(0) = 0) or none of them (identity, so the backward copies dy).
// Forward and backward share this file so they share one GELU; each binds only what it reads.
// Workgroups may be spread over x and y; the flat index is rebuilt from num_workgroups.x.

struct Params {
  n: u32,
}

#if ${BACKWARD}
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;
#else
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;
#endif

${ACTIVATION_FNS}

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
#if ${BACKWARD}
  dx[i] = dy[i] * derivative(x[i]);
#else
  y[i] = activate(x[i]);
#endif
}
