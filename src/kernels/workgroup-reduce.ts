import reduceSource from '../../shaders/common/workgroup-reduce.wgsl';

/**
 * Defines that paste `workgroupSum` / `workgroupMax` over `type` values into a kernel's
 * WORKGROUP_REDUCE placeholder (shaders/common/workgroup-reduce.wgsl); the pasted text's own
 * placeholders are filled from the kernel's defines, WORKGROUP_X included.
 */
export function workgroupReduceDefines(type: 'f32' | 'vec2f'): { WORKGROUP_REDUCE: string; REDUCE_T: string } {
  return { WORKGROUP_REDUCE: reduceSource, REDUCE_T: type };
}
