// One AdamW step (PyTorch's torch.optim.AdamW, decoupled weight decay), in place, one element per
// invocation:
//   m ← β1·m + (1 − β1)·g        v ← β2·v + (1 − β2)·g²
//   p ← p·(1 − lr·λ) − lr · (m / bc1) / (√(v / bc2) + ε),   bc1 = 1 − β1^t, bc2 = 1 − β2^t
// The hyper-parameters that stay fixed are in `params`; lr, t and the bias corrections change
// every update and come from the step uniform (shaders/common/step.wgsl), which a compiled
// training step rewrites once per step, so a schedule never re-records or recompiles anything.
// 1 − β1, 1 − β2, bc1 and bc2 arrive precomputed in double precision: in f32, 1 − 0.999 alone
// would be off by 1.3e-5 relative. 1 − lr·λ is formed here: lr·λ is tiny, so its f32 rounding
// moves the factor by far less than one f32 ulp of 1.
// The guarded variant (a training step's update) reads the guard [loss, gradient norm] and leaves
// param, m and v untouched unless both are finite, so a diverged step writes no NaN anywhere.

struct Params {
  n: u32,
  beta1: f32,
  beta2: f32,
  one_minus_beta1: f32,
  one_minus_beta2: f32,
  eps: f32,
  weight_decay: f32,
}

${STEP}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var<uniform> step: Step;
#if ${GUARDED}
@group(0) @binding(6) var<storage, read> guard: array<f32>;

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
  let g = grad[i];
  let m_new = params.beta1 * m[i] + params.one_minus_beta1 * g;
  let v_new = params.beta2 * v[i] + params.one_minus_beta2 * (g * g);
  m[i] = m_new;
  v[i] = v_new;
  let m_hat = m_new / step.bias_correction1;
  let v_hat = v_new / step.bias_correction2;
  let decay = 1.0 - step.lr * params.weight_decay;
  param[i] = param[i] * decay - step.lr * m_hat / (sqrt(v_hat) + params.eps);
}
