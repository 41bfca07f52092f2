/**
 * Attention scoring (d2l 10.1–10.3): masked softmax over valid key positions, additive and
 * scaled dot-product attention. Pure tf ops, differentiable, shared by the Bahdanau decoder.
 */
export { maskedSoftmax, MASKED_SCORE, type ValidLens } from './masked-softmax';
export { additiveAttention, additiveAttend, projectKeys, type AdditiveWeights } from './additive';
export { dotProductAttention } from './dot-product';
export { dropoutWeights, type AttentionOutput } from './attention-output';
