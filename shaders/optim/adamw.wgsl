// One AdamW step (PyTorch's torch.optim.AdamW, decoupled weight decay), in place, one element per
// invocation:
//   m ← β1·m + (1 − β1)·g        v ← β2·v + (1 − β2)·g²
//   p ← p·(1 − lr·λ) − lr · (m / bc1) / (√(v / bc2) + ε),   bc1 = 1 − β1^t, bc2 = 1 − β2^t
// Every hyper-parameter is a uniform, so a learning-rate schedule never recompiles. 1 − β1,
// 1 − β2 and 1 − lr·λ arrive precomputed in double precision: in f32, 1 − 0.999 alone would be
// off by 1.3e-5 relative.

struct Params {
  n: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  one_minus_beta1: f32,
  one_minus_beta2: f32,
  eps: f32,
  decay: f32,
  bias_correction1: f32,
  bias_correction2: f32,
}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

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
  let g = grad[i];
  let m_new = params.beta1 * m[i] + params.one_minus_beta1 * g;
  let v_new = params.beta2 * v[i] + params.one_minus_beta2 * (g * g);
  m[i] = m_new;
  v[i] = v_new;
  let m_hat = m_new / params.bias_correction1;
  let v_hat = v_new / params.bias_correction2;
  param[i] = param[i] * params.decay - params.lr * m_hat / (sqrt(v_hat) + params.eps);
}
