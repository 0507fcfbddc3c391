// The guard of a training step's update: guard = [loss, global gradient norm], one invocation.
// The guarded optimizer kernels read it and leave parameters and state untouched unless both are
// finite (shaders/common/guard.wgsl); the step reads the same two words back to report them.

@group(0) @binding(0) var<storage, read> loss: array<f32>;
@group(0) @binding(1) var<storage, read> norm: array<f32>;
@group(0) @binding(2) var<storage, read_write> guard: array<f32>;

@compute @workgroup_size(${WORKGROUP_X})
fn main() {
  guard[0] = loss[0];
  guard[1] = norm[0];
}
