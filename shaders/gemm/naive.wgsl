// Naive GEMM, the baseline every faster variant is measured against:
// C = op(A) · op(B) (+ bias, activation), batched, one output element per invocation, f32
// accumulation. No workgroup memory, no register blocking: each invocation reads a row of op(A)
// and a column of op(B). Layouts per batch as in blocked.wgsl.

struct Params {
  m: u32,
  n: u32,
  k: u32,
  batches: u32,
  stride_a: u32,
  stride_b: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

${ACTIVATION_FNS}

@compute @workgroup_size(${WORKGROUP_X}, ${WORKGROUP_Y})
fn main(@builtin(global_invocation_id) id: vec3u) {
  let row = id.y;
  let col = id.x;
  let batch = id.z;
  let m = params.m;
  let n = params.n;
  let k = params.k;
  if (row >= m || col >= n) {
    return;
  }
  let base_a = batch * params.stride_a;
  let base_b = batch * params.stride_b;
  var sum = 0.0;
  for (var p = 0u; p < k; p++) {
#if ${TRANS_A}
    let x = a[base_a + p * m + row];
#else
    let x = a[base_a + row * k + p];
#endif
#if ${TRANS_B}
    let y = b[base_b + col * k + p];
#else
    let y = b[base_b + p * n + col];
#endif
    sum += x * y;
  }
#if ${BIAS}
  sum += bias[col];
#endif
  c[batch * m * n + row * n + col] = activation4(vec4(sum)).x;
}
