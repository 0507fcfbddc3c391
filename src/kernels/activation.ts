import activationSource from '../../shaders/activation/activation.wgsl';
import { activationBackwardReference, activationReference, type UnaryActivation } from '../reference/activation.js';
import { activationFunctions } from './activation-fn.js';
import { type Dispatcher, type GpuStorage, type Kernel, grid1D } from './kernel.js';

/** A variant of the activation kernels: which activation. */
export interface ActivationVariant {
  readonly activation: UnaryActivation;
}

const WORKGROUP = 256;
const ACTIVATIONS: readonly UnaryActivation[] = ['gelu', 'gelu_tanh', 'relu', 'tanh', 'none'];

const activationDefines = (activation: UnaryActivation, backward: boolean) => ({
  BACKWARD: backward,
  ACTIVATION_FNS: activationFunctions(activation),
});

// Forward and backward are two kernels over one shader file; the GELU code itself is shared with
// the GEMM epilogues (shaders/common/activation.wgsl).

/** y[i] = act(x[i]), one element per invocation. */
export const activationKernel: Kernel<ActivationVariant> = {
  name: 'activation/forward',
  source: activationSource,
  bindings: [
    { name: 'x', kind: 'read-only-storage' },
    { name: 'y', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: ({ activation }) => activationDefines(activation, false),
  variants: ACTIVATIONS.map((activation) => ({ activation })),
  references: { activation: activationReference },
};

/** dx[i] = dy[i] · act'(x[i]), one element per invocation ('none' copies dy). */
export const activationBackwardKernel: Kernel<ActivationVariant> = {
  name: 'activation/backward',
  source: activationSource,
  bindings: [
    { name: 'dy', kind: 'read-only-storage' },
    { name: 'x', kind: 'read-only-storage' },
    { name: 'dx', kind: 'storage' },
    { name: 'params', kind: 'uniform' },
  ],
  workgroupSize: () => [WORKGROUP, 1, 1],
  defines: ({ activation }) => activationDefines(activation, true),
  variants: ACTIVATIONS.map((activation) => ({ activation })),
  references: { activationBackward: activationBackwardReference },
};

/** Records `y = act(x)` over `n` elements. */
export function encodeActivation(gpu: Dispatcher, activation: UnaryActivation, x: GpuStorage, y: GpuStorage, n: number): void {
  if (n === 0) return;
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(activationKernel, { activation }, [x, y, new Uint32Array([n])], groups);
}

/** Records `dx = dy · act'(x)` over `n` elements. */
export function encodeActivationBackward(gpu: Dispatcher, activation: UnaryActivation, dy: GpuStorage, x: GpuStorage, dx: GpuStorage, n: number): void {
  if (n === 0) return;
  const groups = grid1D(Math.ceil(n / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  gpu.dispatch(activationBackwardKernel, { activation }, [dy, x, dx, new Uint32Array([n])], groups);
}
