// The non-fused attention path's masking step, in place on scores = Q·Kᵀ [B·H, Tq, Tk]:
// scores = scale·scores where query i may attend key j, −FLT_MAX elsewhere (softmax reads values
// ≤ −FLT_MAX as −∞). One invocation per element, rows spread over x and y workgroups.

struct Params {
  n: u32,
  tq: u32,
  tk: u32,
  // Elements per batch entry: H·Tq·Tk.
  per_batch: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> key_mask: array<u32>;
@group(0) @binding(1) var<storage, read_write> scores: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

const NEG_MAX = -0x1.fffffep+127f;

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let e = (group.y * groups.x + group.x) * ${WORKGROUP_X}u + lane;
  if (e >= params.n) {
    return;
  }
  let j = e % params.tk;
  var visible = true;
#if ${CAUSAL}
  let i = (e / params.tk) % params.tq;
  visible = j <= i;
#endif
#if ${KEY_MASK}
  let b = e / params.per_batch;
  visible = visible && key_mask[b * params.tk + j] != 0u;
#endif
  scores[e] = select(NEG_MAX, scores[e] * params.scale, visible);
}
