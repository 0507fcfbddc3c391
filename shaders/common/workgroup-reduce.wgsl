// Row reductions for the row-wise kernels (src/kernels/rows.ts), pasted into kernels whose source
// has a WORKGROUP_REDUCE placeholder (src/kernels/workgroup-reduce.ts). REDUCE_T is the value type
// (f32, or vec2f for two reductions at once). `value` is the caller's partial over its columns of
// the row; every caller of the row gets the row's total.
#if ${ROW_PER_INVOCATION}

// One row per invocation: the invocation's serial loop already covered the whole row.
fn rowSum(lane: u32, value: ${REDUCE_T}) -> ${REDUCE_T} {
  return value;
}

fn rowMax(lane: u32, value: ${REDUCE_T}) -> ${REDUCE_T} {
  return value;
}

#else

// One workgroup per row: a tree through workgroup memory, in a fixed pairing order so every run
// gives the same bits. WORKGROUP_X must be a power of two.
var<workgroup> reduce_scratch: array<${REDUCE_T}, ${WORKGROUP_X}>;

fn rowSum(lane: u32, value: ${REDUCE_T}) -> ${REDUCE_T} {
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
fn rowMax(lane: u32, value: ${REDUCE_T}) -> ${REDUCE_T} {
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

#endif
