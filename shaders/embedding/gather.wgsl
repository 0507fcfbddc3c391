// Embedding lookup: out[p, d] = table[ids[p], d], table [V, D] (f32), ids [N] (i32).
// An id outside [0, V) gives a zero row: the GPU cannot throw, and a zero row keeps the output finite.
// One element per invocation, or (VEC4, D a multiple of 4) one vec4 of four: a quarter of the index
// arithmetic, whose integer division is what a copy costs on CPU adapters. Workgroups may be spread
// over x and y (flat index from num_workgroups.x).

struct Params {
  n: u32,
  dim: u32, // D, or D / 4 with VEC4
  vocab: u32,
}

@group(0) @binding(0) var<storage, read> table: array<${T}>;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<${T}>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let i = (group.y * groups.x + group.x) * ${WORKGROUP_X}u + lane;
  if (i >= params.n * params.dim) {
    return;
  }
  let p = i / params.dim;
  let d = i - p * params.dim;
  let id = ids[p];
  var value = ${T}();
  if (id >= 0 && u32(id) < params.vocab) {
    value = table[u32(id) * params.dim + d];
  }
  out[i] = value;
}
