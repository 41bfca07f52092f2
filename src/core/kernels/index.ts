/** Fused recurrent kernels: public entry points. See ./types.ts for the equations and layout. */
export { fusedRecurrent, type FusedRecurrentResult, type FusedRecurrentOptions } from './tfjs-op';
export { fusedDense, hasFusedDense, type FusedDenseOptions } from './dense-op';
export { selectKernelPath, kernelInfo, kernelLabel, isSelected, currentKernel, useKernelPath, getKernel, disposeKernels, type KernelInfo, type SelectOptions } from './select';
export { tsKernel } from './reference';
export * from './types';
export { checkArgs } from './shape';
