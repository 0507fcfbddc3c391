// Partial sums of squares of up to 7 tensors in one dispatch, the first pass of globalNorm.
// Workgroup g covers CHUNK consecutive elements of one tensor k; lane l adds the squares of
// elements l, l + WORKGROUP_X, … of the chunk (neighbouring lanes, neighbouring addresses) and
// writes partials[(partial_offset + g)·WORKGROUP_X + l]. No tree and no barrier here: the one
// workgroup of sqrt_sum.wgsl adds all partials.
// Tensor k owns workgroups first_group(k) … first_group(k + 1) − 1; a batch with fewer than 7
// tensors binds a real tensor again in the spare slots and gives them no workgroups.
// Fixed order everywhere, no atomics: the same bits every run.

struct Params {
  // first_group(k) for k = 0 … 7, packed in vec4s (uniform arrays need a 16-byte stride);
  // first_group(7) is the number of workgroups in the batch.
  first_group: array<vec4u, 2>,
  length: array<vec4u, 2>,
  partial_offset: u32,
}

@group(0) @binding(0) var<storage, read> t0: array<f32>;
@group(0) @binding(1) var<storage, read> t1: array<f32>;
@group(0) @binding(2) var<storage, read> t2: array<f32>;
@group(0) @binding(3) var<storage, read> t3: array<f32>;
@group(0) @binding(4) var<storage, read> t4: array<f32>;
@group(0) @binding(5) var<storage, read> t5: array<f32>;
@group(0) @binding(6) var<storage, read> t6: array<f32>;
@group(0) @binding(7) var<storage, read_write> partials: array<f32>;
@group(0) @binding(8) var<uniform> params: Params;

const CHUNK = ${WORKGROUP_X}u * ${PER_LANE}u;

fn first_group(k: u32) -> u32 {
  return params.first_group[k / 4u][k % 4u];
}

fn load(k: u32, i: u32) -> f32 {
  switch k {
    case 0u: { return t0[i]; }
    case 1u: { return t1[i]; }
    case 2u: { return t2[i]; }
    case 3u: { return t3[i]; }
    case 4u: { return t4[i]; }
    case 5u: { return t5[i]; }
    default: { return t6[i]; }
  }
}

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let g = group.y * groups.x + group.x;
  if (g >= first_group(7u)) {
    return;
  }
  var k = 0u;
  while (k < 6u && g >= first_group(k + 1u)) {
    k++;
  }
  let start = (g - first_group(k)) * CHUNK;
  let end = min(params.length[k / 4u][k % 4u], start + CHUNK);
  var acc = 0.0;
  for (var i = start + lane; i < end; i += ${WORKGROUP_X}u) {
    let v = load(k, i);
    acc += v * v;
  }
  partials[(params.partial_offset + g) * ${WORKGROUP_X}u + lane] = acc;
}
