/**
 * The typed host↔webview protocol: one pair of schemas per panel. The host validates
 * what a webview sends with `toHost`, the webview validates what it receives with
 * `toWebview` (see webview/common/host.ts).
 */
export * from './common';
export * from './runs';
export * from './vocab-stats';
export * from './dashboard';
export * from './heatmap';
export * from './beam-tree';
export * from './labs';
export * from './attention-heatmap';
