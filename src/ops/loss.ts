/** Cross-entropy from logits (fused log-softmax + NLL), forward and backward. Backends implement this interface (arguments already checked by the functions below). */
export interface LossOps {}

// The checked public functions of this family go here; they call `tensor.backend.ops.<op>`.