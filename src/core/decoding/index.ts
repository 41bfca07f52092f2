export * from './types';
export { argmax, greedySearch } from './greedy';
export { beamSearch, topIndices, type BeamNode, type BeamOptions, type BeamResult, type BeamTree } from './beam';
export { exhaustiveSearch } from './exhaustive';
export * from './steering';
