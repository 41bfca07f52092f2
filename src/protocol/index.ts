/**
 * Every message schema of Seqlab, each defined once, zod only (importable from the core, the
 * host and the webview bundles):
 *   - host ↔ training process: ./training.ts (imported directly; webviews never need it);
 *   - host ↔ webview: one pair of schemas per panel, exported here. The host validates what a
 *     webview sends with `toHost`, the webview validates what it receives with `toWebview`
 *     (see webview/common/host.ts); ./activations.ts is shared by both sides.
 */
export * from './common';
export * from './runs';
export * from './vocab-stats';
export * from './dashboard';
export * from './heatmap';
export * from './beam-tree';
export * from './labs';
export * from './attention-heatmap';
export * from './compare-translators';
