// Naive GEMM, the baseline every faster variant is measured against:
// C = op(A) · op(B) (+ bias, activation), batched, one output element per invocation, f32
// accumulation. No workgroup memory, no register blocking: each invocation reads a row of op(A)
// and a column of op(B). Layouts per batch as in blocked.wgsl.
// VEC4 (A not transposed, B transposed, K and the batch strides multiples of 4: the products of a
// decoding step, x·Wᵀ): a row of A and a row of B are runs of vec4, read four values at a time.

struct Params {
  m: u32,
  n: u32,
  k: u32,
  batches: u32,
  stride_a: u32,
  stride_b: u32,
}

#if ${VEC4}
@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
#else
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
#endif
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
#if ${VEC4}
  let row_a = (base_a + row * k) / 4u;
  let row_b = (base_b + col * k) / 4u;
  var acc = vec4<f32>(0.0);
  for (var q = 0u; q < k / 4u; q++) {
    acc += a[row_a + q] * b[row_b + q];
  }
  sum = acc.x + acc.y + acc.z + acc.w;
#else
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
#endif
#if ${BIAS}
  sum += bias[col];
#endif
  c[batch * m * n + row * n + col] = activation4(vec4(sum)).x;
}
