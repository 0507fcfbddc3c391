// Embedding backward, a deterministic scatter-add: d_table[v, d] = Σ_{p: ids[p] = v} d_out[p, d].
// No float atomics: each workgroup owns a block of ROWS vocabulary rows × WORKGROUP_X columns, and
// each lane owns one column of that block, so no two invocations ever write the same element.
// The workgroup walks all ids in order (staged through workgroup memory a chunk at a time) and
// each lane adds d_out[p, d] for the positions whose id falls in its block. The adds happen in
// increasing p, so the bits are the same every run (and equal a sequential f32 loop's).
// Rows of unused ids end at 0; ids outside [0, V) are never in a block, so they add nothing.
// Cost: each lane reads all N ids, i.e. ceil(V / ROWS) · ceil(D / WORKGROUP_X) · N id reads from
// workgroup memory per lane; the d_out reads and d_table updates are N·D, coalesced along d.

struct Params {
  n: u32,
  dim: u32,
  vocab: u32,
  vocab_blocks: u32,
  blocks: u32, // vocab_blocks · ceil(dim / WORKGROUP_X)
}

const ROWS = ${ROWS}u;

@group(0) @binding(0) var<storage, read> d_out: array<f32>;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> d_table: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> chunk: array<i32, ${WORKGROUP_X}>;

@compute @workgroup_size(${WORKGROUP_X})
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let block = group.y * groups.x + group.x;
  if (block >= params.blocks) {
    return; // the whole workgroup leaves together
  }
  let first = (block % params.vocab_blocks) * ROWS;
  let end = min(first + ROWS, params.vocab); // owned rows: [first, end)
  let d = (block / params.vocab_blocks) * ${WORKGROUP_X}u + lane;
  let owns_column = d < params.dim;

  if (owns_column) {
    for (var v = first; v < end; v++) {
      d_table[v * params.dim + d] = 0.0;
    }
  }

  // The running sum of row `held` stays in a register while consecutive matches hit the same row
  // (padding runs, repeated tokens): it is loaded from and stored to d_table only when the row
  // changes, which keeps the exact sequential order of adds but not a memory round trip per add.
  var held = -1;
  var sum = 0.0;
  for (var start = 0u; start < params.n; start += ${WORKGROUP_X}u) {
    let p = start + lane;
    var id = -1;
    if (p < params.n) {
      id = ids[p];
    }
    chunk[lane] = id;
    workgroupBarrier();
    if (owns_column) {
      let size = min(${WORKGROUP_X}u, params.n - start);
      for (var j = 0u; j < size; j++) {
        let v = chunk[j];
        if (v >= i32(first) && v < i32(end)) {
          if (v != held) {
            if (held >= 0) {
              d_table[u32(held) * params.dim + d] = sum;
            }
            held = v;
            sum = d_table[u32(v) * params.dim + d];
          }
          sum += d_out[(start + j) * params.dim + d];
        }
      }
    }
    workgroupBarrier(); // everyone is done with this chunk before it is overwritten
  }
  if (held >= 0) {
    d_table[u32(held) * params.dim + d] = sum;
  }
}
