// Sum over one axis. The input is a strided view [outer, rows, cols]; q = o·cols + j numbers the
// outputs (Q = outer·cols of them), and
//   out[s·Q + q] = Σ_{r in split s} x[o·outer_stride + j·col_stride + r·row_stride],
// with the rows cut into splits of split_rows. With more than one split the outputs are partial
// sums [splits, Q], which the next dispatch of this kernel adds up (the TS side plans the passes).
// The (split, output) pairs, slot = s·Q + q, are dealt to groups of ROWS neighbouring lanes,
// WORKGROUP_X / ROWS slots per workgroup, so every lane has work even when Q is small. Each lane
// adds every ROWS-th row of its slot's split serially; with ROWS > 1 (used when rows are
// contiguous, a last-axis sum, so that neighbouring lanes read neighbouring addresses) the ROWS
// lanes then add up as a tree in workgroup memory. ROWS = 1 needs no barrier, which CPU drivers
// (SwiftShader, lavapipe) pay dearly, and neighbouring lanes take neighbouring outputs
// (contiguous when col_stride is 1, e.g. a bias gradient).
// No atomics: the order of every addition is fixed by the shape, so each run gives the same bits.

struct Params {
  outputs: u32,
  cols: u32,
  col_stride: u32,
  outer_stride: u32,
  rows: u32,
  row_stride: u32,
  split_rows: u32,
  slots: u32,
  groups: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

const ROWS = ${ROWS}u;
const SLOTS_PER_GROUP = ${WORKGROUP_X}u / ROWS;

#if ${TREE}
var<workgroup> partial: array<f32, ${WORKGROUP_X}>;
#endif

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  // The whole workgroup leaves together (the grid may hold a few spare groups), so the barriers
  // below stay in uniform control flow.
  let g = group.y * groups.x + group.x;
  if (g >= params.groups) {
    return;
  }
  let slot = g * SLOTS_PER_GROUP + lane / ROWS;
  let s = slot / params.outputs;
  let q = slot % params.outputs;
  let rl = lane % ROWS;
  let first = s * params.split_rows;
  let end = min(params.rows, first + params.split_rows);

  var acc = 0.0;
  if (slot < params.slots) {
    let base = (q / params.cols) * params.outer_stride + (q % params.cols) * params.col_stride;
    for (var r = first + rl; r < end; r += ROWS) {
      acc += x[base + r * params.row_stride];
    }
  }
#if ${TREE}
  partial[lane] = acc;
  workgroupBarrier();
  for (var stride = ROWS / 2u; stride > 0u; stride /= 2u) {
    if (rl < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  acc = partial[lane];
#endif
  if (rl == 0u && slot < params.slots) {
    out[slot] = acc;
  }
}
