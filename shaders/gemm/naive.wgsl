// Naive GEMM, the baseline every faster variant is measured against:
// C = op(A) · op(B) (+ bias, activation), batched, one output element per invocation, f32
// accumulation. No workgroup memory, no register blocking: each invocation reads a row of op(A)
// and a column of op(B). Layouts per batch as in blocked.wgsl.
// VEC4 (A not transposed, B transposed, K and the batch strides multiples of 4: the products of a
// decoding step, x·Wᵀ): a row of A and a row of B are runs of vec4, read four values at a time.
// COLS4 (with VEC4, for products of a few rows): each invocation computes four neighbouring
// outputs of its row, so each vec4 of A it reads feeds four products; on CPU adapters a lane's loop
// overhead and A loads were half the time of one output per lane (SwiftShader and lavapipe, 1×8000×256).

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
  let batch = id.z;
  let m = params.m;
  let n = params.n;
  let k = params.k;
  let base_a = batch * params.stride_a;
  let base_b = batch * params.stride_b;
#if ${COLS4}
  let first = id.x * 4u;
  if (row >= m || first >= n) {
    return;
  }
  // Past the last column, reread the last row of B (in bounds) and drop the result.
  let last = n - 1u;
  let row_a = (base_a + row * k) / 4u;
  let row_b0 = (base_b + first * k) / 4u;
  let row_b1 = (base_b + min(first + 1u, last) * k) / 4u;
  let row_b2 = (base_b + min(first + 2u, last) * k) / 4u;
  let row_b3 = (base_b + min(first + 3u, last) * k) / 4u;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var q = 0u; q < k / 4u; q++) {
    let x = a[row_a + q];
    acc0 += x * b[row_b0 + q];
    acc1 += x * b[row_b1 + q];
    acc2 += x * b[row_b2 + q];
    acc3 += x * b[row_b3 + q];
  }
  let ones = vec4<f32>(1.0);
  var sums = vec4<f32>(dot(acc0, ones), dot(acc1, ones), dot(acc2, ones), dot(acc3, ones));
#if ${BIAS}
  sums += vec4<f32>(bias[first], bias[min(first + 1u, last)], bias[min(first + 2u, last)], bias[min(first + 3u, last)]);
#endif
  let out = activation4(sums);
  let at = batch * m * n + row * n + first;
  c[at] = out.x;
  if (first + 1u < n) {
    c[at + 1u] = out.y;
  }
  if (first + 2u < n) {
    c[at + 2u] = out.z;
  }
  if (first + 3u < n) {
    c[at + 3u] = out.w;
  }
#else
  let col = id.x;
  if (row >= m || col >= n) {
    return;
  }
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
#endif
}
