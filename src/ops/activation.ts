/** GELU (erf and tanh forms) and ReLU, forward and backward; the bias+activation epilogue backward. Backends implement this interface (arguments already checked by the functions below). */
export interface ActivationOps {}

// The checked public functions of this family go here; they call `tensor.backend.ops.<op>`.