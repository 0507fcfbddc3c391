/** Optimizer update kernels (AdamW). Backends implement this interface (arguments already checked by the functions below). */
export interface OptimOps {}

// The checked public functions of this family go here; they call `tensor.backend.ops.<op>`.