/**
 * nn.Embedding's lookup for the translators' encoders and decoders: the kernel op in
 * ../kernels/embedding-op.ts (gather forward, scatter-add gradient, on the current kernel path).
 */
export { embeddingLookup } from '../kernels/embedding-op';
