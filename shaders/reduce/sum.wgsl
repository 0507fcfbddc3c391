// Sum over one axis. The input is seen as [outer, rows, cols] with arbitrary strides, and
//   out[(o·splits + s)·cols + j] = Σ_{r in split s} x[o·outer_stride + r·row_stride + j·col_stride],
// the rows cut into `splits` runs of split_rows. With splits > 1 the outputs are partial sums,
// which a second dispatch of this kernel adds up (the TS side plans the passes).
// A workgroup is COLS × ROWS lanes: COLS adjacent columns (adjacent addresses when col_stride is 1,
// so loads coalesce) times ROWS lanes that take every ROWS-th row of the split. Each lane adds its
// rows serially, then the ROWS lanes of a column add their sums as a tree in workgroup memory.
// No atomics: the order of every addition is fixed by the shape, so each run gives the same bits.

struct Params {
  outer_stride: u32,
  rows: u32,
  row_stride: u32,
  cols: u32,
  col_stride: u32,
  split_rows: u32,
  splits: u32,
  col_groups: u32,
  groups: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

const COLS = ${COLS}u;
const ROWS = ${ROWS}u;

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
  let col_group = g % params.col_groups;
  let s = (g / params.col_groups) % params.splits;
  let o = g / (params.col_groups * params.splits);
  let jl = lane % COLS;
  let rl = lane / COLS;
  let j = col_group * COLS + jl;
  let first = s * params.split_rows;
  let end = min(params.rows, first + params.split_rows);

  var acc = 0.0;
  if (j < params.cols) {
    let base = o * params.outer_stride + j * params.col_stride;
    for (var r = first + rl; r < end; r += ROWS) {
      acc += x[base + r * params.row_stride];
    }
  }
#if ${TREE}
  partial[lane] = acc;
  workgroupBarrier();
  for (var stride = ROWS / 2u; stride > 0u; stride /= 2u) {
    if (rl < stride) {
      partial[lane] += partial[lane + stride * COLS];
    }
    workgroupBarrier();
  }
  acc = partial[jl];
#endif
  if (rl == 0u && j < params.cols) {
    out[(o * params.splits + s) * params.cols + j] = acc;
  }
}
