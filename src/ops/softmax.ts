/** Softmax over the last dimension with an optional additive mask, forward and backward. Backends implement this interface (arguments already checked by the functions below). */
export interface SoftmaxOps {}

// The checked public functions of this family go here; they call `tensor.backend.ops.<op>`.