/** Embedding gather forward and deterministic scatter-add backward. Backends implement this interface (arguments already checked by the functions below). */
export interface EmbeddingOps {}

// The checked public functions of this family go here; they call `tensor.backend.ops.<op>`.