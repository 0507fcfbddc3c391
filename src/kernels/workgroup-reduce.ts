import reduceSource from '../../shaders/common/workgroup-reduce.wgsl';
import type { RowLayout } from './rows.js';

/**
 * Defines that paste `rowSum` / `rowMax` over `type` values into a kernel's WORKGROUP_REDUCE
 * placeholder (shaders/common/workgroup-reduce.wgsl), and set ROW_PER_INVOCATION for the
 * kernel's own `#if` blocks. In the 'workgroup' layout they are workgroup-memory trees; in the
 * 'invocation' layout they return their argument. The pasted text's own placeholders are filled
 * from the kernel's defines, WORKGROUP_X included.
 */
export function workgroupReduceDefines(
  type: 'f32' | 'vec2f',
  layout: RowLayout = 'workgroup',
): { WORKGROUP_REDUCE: string; REDUCE_T: string; ROW_PER_INVOCATION: boolean } {
  return { WORKGROUP_REDUCE: reduceSource, REDUCE_T: type, ROW_PER_INVOCATION: layout === 'invocation' };
}
