/** Fused recurrent kernels: public entry points. See ./types.ts for the equations and layout. */
export { fusedRecurrent, type FusedRecurrentResult, type FusedRecurrentOptions } from './tfjs-op';
export { fusedDense, hasFusedDense, type FusedDenseOptions } from './dense-op';
export { selectKernelPath, kernelInfo, kernelLabel, kernelNote, isSelected, currentKernel, useKernelPath, getKernel, disposeKernels, type KernelInfo, type SelectOptions } from './select';
export { tsKernel } from './reference';
export { onKernelNotice, kernelNotices } from './notices';
export * from './types';
export { checkArgs } from './shape';
