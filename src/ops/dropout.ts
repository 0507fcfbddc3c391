/** Dropout with a counter-based RNG, forward and backward (the mask is regenerated, not stored). Backends implement this interface (arguments already checked by the functions below). */
export interface DropoutOps {}

// The checked public functions of this family go here; they call `tensor.backend.ops.<op>`.