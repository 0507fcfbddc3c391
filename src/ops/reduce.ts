/** Reductions: sum over an axis, global L2 norm of many tensors. Backends implement this interface (arguments already checked by the functions below). */
export interface ReduceOps {}

// The checked public functions of this family go here; they call `tensor.backend.ops.<op>`.