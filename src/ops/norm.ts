/** LayerNorm forward (saving mean and rstd) and backward (dx, dγ, dβ). Backends implement this interface (arguments already checked by the functions below). */
export interface NormOps {}

// The checked public functions of this family go here; they call `tensor.backend.ops.<op>`.