/** Messages of the Gate Heatmap panel. */
import { z } from 'zod';
import { Activations } from './activations';
import { commonToHost, commonToWebview, requestSchema } from './common';

export { Activations } from './activations';

export const HeatmapToWebview = z.discriminatedUnion('type', [
  ...commonToWebview,
  z.object({
    type: z.literal('activations'),
    runId: z.string(),
    runName: z.string(),
    cell: z.enum(['rnn', 'gru', 'lstm']),
    text: z.string(),
    result: Activations,
  }),
  z.object({ type: z.literal('deleted'), runId: z.string() }),
]);
export type HeatmapToWebview = z.infer<typeof HeatmapToWebview>;

export const RecordRequest = requestSchema('record', z.object({ text: z.string().min(1).max(2000) }));
export const HeatmapToHost = z.discriminatedUnion('type', [...commonToHost, RecordRequest]);
export type HeatmapToHost = z.infer<typeof HeatmapToHost>;

export const HeatmapState = z.object({
  runId: z.string(),
  text: z.string(),
  layer: z.number().int().optional(),
  sort: z.enum(['index', 'variance', 'mean']).optional(),
  /** Show only the N units with the largest variance (0 = all). */
  top: z.number().int().nonnegative().optional(),
  /** Colour range: the values' natural range (gates 0…1, states −1…+1) or stretched to the data shown. */
  scale: z.enum(['fixed', 'stretch']).optional(),
});
export type HeatmapState = z.infer<typeof HeatmapState>;
