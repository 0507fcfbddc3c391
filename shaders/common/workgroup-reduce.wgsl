// Workgroup tree reductions for row-wise kernels (one workgroup per row): a fixed pairing order,
// so every run gives the same bits, and every lane gets the result. REDUCE_T is the value type
// (f32, or vec2f for two reductions at once); WORKGROUP_X must be a power of two.
// Pasted into kernels whose source has a WORKGROUP_REDUCE placeholder (src/kernels/workgroup-reduce.ts).

var<workgroup> reduce_scratch: array<${REDUCE_T}, ${WORKGROUP_X}>;

fn workgroupSum(lane: u32, value: ${REDUCE_T}) -> ${REDUCE_T} {
  reduce_scratch[lane] = value;
  workgroupBarrier();
  for (var stride = ${WORKGROUP_X}u / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      reduce_scratch[lane] += reduce_scratch[lane + stride];
    }
    workgroupBarrier();
  }
  let total = reduce_scratch[0];
  // Every lane has read the result before a later call overwrites the scratch.
  workgroupBarrier();
  return total;
}

// Componentwise max.
fn workgroupMax(lane: u32, value: ${REDUCE_T}) -> ${REDUCE_T} {
  reduce_scratch[lane] = value;
  workgroupBarrier();
  for (var stride = ${WORKGROUP_X}u / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      reduce_scratch[lane] = max(reduce_scratch[lane], reduce_scratch[lane + stride]);
    }
    workgroupBarrier();
  }
  let result = reduce_scratch[0];
  workgroupBarrier();
  return result;
}
