// Naive GEMM, the baseline every faster variant is measured against:
// C[M, N] = A[M, K] · B[K, N], row-major, one output element per invocation, f32 accumulation.
// No workgroup memory, no register blocking: each invocation reads a row of A and a column of B.

struct Params {
  m: u32,
  n: u32,
  k: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(${WORKGROUP_X}, ${WORKGROUP_Y})
fn main(@builtin(global_invocation_id) id: vec3u) {
  let row = id.y;
  let col = id.x;
  if (row >= params.m || col >= params.n) {
    return;
  }
  var sum = 0.0;
  for (var p = 0u; p < params.k; p++) {
    sum += a[row * params.k + p] * b[p * params.n + col];
  }
  c[row * params.n + col] = sum;
}
