// Workgroup-tiled GEMM for real GPUs: C = op(A) · op(B) (+ bias, activation), batched, f32
// accumulation. A 16 × 16 workgroup computes a 64 × 64 tile of C, each invocation a 4 × 4 block.
// Per step of 16 along K, the workgroup stages a 64 × 16 slab of op(A) and a 16 × 64 slab of
// op(B) in workgroup memory (coalesced global reads; the layouts differ only in how a slab is
// read), then every invocation does 16 rank-1 updates of its block from there.
// Out-of-range rows, columns and k are staged as zeros, so any M, N, K works.
//
// Layouts and split-K as in blocked.wgsl (same Params): split-K partials go, without epilogue,
// to the split's slice of C, and split-k-reduce.wgsl adds them up.

struct Params {
  m: u32,
  n: u32,
  k: u32,
  k_per_split: u32,
  stride_a: u32,
  stride_b: u32,
  stride_c: u32,
  batches: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

${ACTIVATION_FNS}

const TILE = 64u;
const DEPTH = 16u;

// k-major slabs: slab_a[kk * TILE + r] = op(A)[row0 + r, k0 + kk], slab_b[kk * TILE + j] = op(B)[k0 + kk, col0 + j].
var<workgroup> slab_a: array<f32, 1024>;
var<workgroup> slab_b: array<f32, 1024>;

// op(A)[row, k] of one batch, 0 outside [0, M) × [k_begin, k_end).
fn load_a(base: u32, row: u32, k: u32, k_end: u32) -> f32 {
  if (row >= params.m || k >= k_end) {
    return 0.0;
  }
#if ${TRANS_A}
  return a[base + k * params.m + row];
#else
  return a[base + row * params.k + k];
#endif
}

fn load_b(base: u32, k: u32, col: u32, k_end: u32) -> f32 {
  if (col >= params.n || k >= k_end) {
    return 0.0;
  }
#if ${TRANS_B}
  return b[base + col * params.k + k];
#else
  return b[base + k * params.n + col];
#endif
}

fn store(base: u32, row: u32, col: u32, value: f32) {
  if (row >= params.m || col >= params.n) {
    return;
  }
  var v = value;
#if ${EPILOGUE}
#if ${BIAS}
  v += bias[col];
#endif
  v = activation4(vec4(v)).x;
#endif
  c[base + row * params.n + col] = v;
}

@compute @workgroup_size(16, 16)
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(local_invocation_id) local: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let row0 = group.y * TILE;
  let col0 = group.x * TILE;
  let batch = group.z % params.batches;
  let split = group.z / params.batches;
  let base_a = batch * params.stride_a;
  let base_b = batch * params.stride_b;
  let k_begin = split * params.k_per_split;
  let k_end = min(params.k, k_begin + params.k_per_split);

  var acc0 = vec4<f32>();
  var acc1 = vec4<f32>();
  var acc2 = vec4<f32>();
  var acc3 = vec4<f32>();
  for (var k0 = k_begin; k0 < k_end; k0 += DEPTH) {
    // 256 invocations stage 1024 values of each slab, 4 each, consecutive lanes reading
    // consecutive addresses of whichever dimension is contiguous in memory.
    for (var q = 0u; q < 4u; q++) {
      let e = lane + 256u * q;
#if ${TRANS_A}
      let ka = e / TILE;
      let ra = e % TILE;
#else
      let ra = e / DEPTH;
      let ka = e % DEPTH;
#endif
      slab_a[ka * TILE + ra] = load_a(base_a, row0 + ra, k0 + ka, k_end);
#if ${TRANS_B}
      let jb = e / DEPTH;
      let kb = e % DEPTH;
#else
      let kb = e / TILE;
      let jb = e % TILE;
#endif
      slab_b[kb * TILE + jb] = load_b(base_b, k0 + kb, col0 + jb, k_end);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < DEPTH; kk++) {
      let ai = kk * TILE + local.y * 4u;
      let bi = kk * TILE + local.x * 4u;
      let av = vec4(slab_a[ai], slab_a[ai + 1u], slab_a[ai + 2u], slab_a[ai + 3u]);
      let bv = vec4(slab_b[bi], slab_b[bi + 1u], slab_b[bi + 2u], slab_b[bi + 3u]);
      acc0 += av.x * bv;
      acc1 += av.y * bv;
      acc2 += av.z * bv;
      acc3 += av.w * bv;
    }
    workgroupBarrier();
  }

  let base_c = (split * params.batches + batch) * params.stride_c;
  let row = row0 + local.y * 4u;
  let col = col0 + local.x * 4u;
  let rows = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      store(base_c, row + i, col + j, rows[i][j]);
    }
  }
}
