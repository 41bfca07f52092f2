/**
 * What a language model recorded for one input (the Gate Heatmap's data): per layer and
 * direction, each gate's activations, the hidden state and (LSTM) the memory, [T][H] each.
 * The training process sends it (./training.ts) and the host forwards it to the panel (./heatmap.ts).
 */
import { z } from 'zod';

const Matrix = z.array(z.array(z.number()));

export const Activations = z.object({
  tokens: z.array(z.string()),
  layers: z.array(
    z.object({
      layer: z.number().int(),
      direction: z.enum(['forward', 'backward']),
      /** Gate name → [T][H] activations (rnn: none; gru: z, r, h̃; lstm: i, f, o, c̃). */
      gates: z.record(z.string(), Matrix),
      hidden: Matrix,
      memory: Matrix.optional(),
    }),
  ),
});
export type Activations = z.infer<typeof Activations>;
