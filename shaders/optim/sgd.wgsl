// One SGD step with momentum (PyTorch's torch.optim.SGD), in place, one element per invocation:
//   g ← g + λ·p                                  (L2 weight decay, coupled as in torch)
//   b ← g on the first step, else μ·b + (1 − τ)·g (momentum buffer, dampening τ)
//   d ← g + μ·b with Nesterov, else b
//   p ← p − lr·d
// With μ = 0 the buffer is not touched (params.momentum_on = 0): plain SGD. lr and the update t
// come from the step uniform (shaders/common/step.wgsl), rewritten once per training step.
// The guarded variant (a training step's update) reads the guard [loss, gradient norm] and leaves
// param and buf untouched unless both are finite.

struct Params {
  n: u32,
  momentum: f32,
  one_minus_dampening: f32,
  weight_decay: f32,
  nesterov: u32,
  momentum_on: u32,
}

${STEP}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;
@group(0) @binding(4) var<uniform> step: Step;
#if ${GUARDED}
@group(0) @binding(5) var<storage, read> guard: array<f32>;

${GUARD}
#endif

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
#if ${GUARDED}
  if (!update_allowed()) {
    return;
  }
#endif
  let p = param[i];
  let g = grad[i] + params.weight_decay * p;
  var d = g;
  if (params.momentum_on != 0u) {
    let b = select(params.momentum * buf[i] + params.one_minus_dampening * g, g, step.update == 1u);
    buf[i] = b;
    d = select(b, g + params.momentum * b, params.nesterov != 0u);
  }
  param[i] = p - step.lr * d;
}
