/**
 * The training process's message protocol (training process ↔ host): commands the host sends to the
 * training process (src/worker/train-process.ts) and events it sends back. Both sides validate what they receive with these zod schemas
 * (`parseCommand`, `parseEvent`), so a malformed message becomes a clear error rather than
 * undefined behaviour. The extension UI imports the types from here.
 *
 * Jobs are generic: `start.config` is the job's own config object (`config.job` names the
 * job kind, e.g. 'lm' or 'seq2seq'); the job validates it (see ./run.ts).
 */
import { z } from 'zod';
import { Activations } from './activations';

export const RunStateSchema = z.enum(['idle', 'starting', 'running', 'paused', 'stopping', 'stopped', 'done', 'error']);
export type RunState = z.infer<typeof RunStateSchema>;

// ---------------------------------------------------------------- commands (host → training process)

export const StartCommandSchema = z.object({
  type: z.literal('start'),
  runId: z.string().min(1),
  /** The job's config; must carry `job` (e.g. 'lm'). Validated by the job on start. */
  config: z.record(z.string(), z.unknown()),
  /** Folder for checkpoints; omitted = no checkpoints. */
  checkpointDir: z.string().min(1).optional(),
  /** Continue from the checkpoint in checkpointDir (its config wins over `config` except `epochs`). */
  resume: z.boolean().optional(),
  /** tfjs backend for this training process. */
  backend: z.enum(['auto', 'node', 'wasm', 'cpu']).optional(),
  /** Folder where the fused-kernel speed measurement is remembered (e.g. the extension's globalStorage). */
  kernelCacheDir: z.string().min(1).optional(),
});

export const GenerateRequestSchema = z.object({
  type: z.literal('generate'),
  requestId: z.string().min(1),
  prefix: z.string(),
  length: z.number().int().min(0).max(100_000),
  temperature: z.number().min(0).optional(),
  topK: z.number().int().min(1).optional(),
  seed: z.number().int().optional(),
  /** Generate from this checkpoint instead of the running model. */
  checkpointDir: z.string().optional(),
});

export const ActivationsRequestSchema = z.object({
  type: z.literal('activations'),
  requestId: z.string().min(1),
  /** Text fed to the model (tokenized with the run's tokenizer). */
  text: z.string().min(1),
  checkpointDir: z.string().optional(),
});

export const CommandSchema = z.discriminatedUnion('type', [
  StartCommandSchema,
  z.object({ type: z.literal('pause') }),
  z.object({ type: z.literal('resume') }),
  /** Stops at the next batch boundary; the last checkpoint stays valid. */
  z.object({ type: z.literal('stop') }),
  GenerateRequestSchema,
  ActivationsRequestSchema,
  /** Stop any run and end the training process. */
  z.object({ type: z.literal('shutdown') }),
]);
export type Command = z.infer<typeof CommandSchema>;
export type StartCommand = z.infer<typeof StartCommandSchema>;
export type GenerateRequest = z.infer<typeof GenerateRequestSchema>;
export type ActivationsRequest = z.infer<typeof ActivationsRequestSchema>;

// ---------------------------------------------------------------- events (training process → host)

const nullableNumber = z.number().nullable();

export const MetricsEventSchema = z.object({
  type: z.literal('metrics'),
  runId: z.string(),
  epoch: z.number().int(),
  /** Mean training loss (cross-entropy per token for language models). */
  loss: z.number(),
  /** exp(loss); null for jobs where perplexity means nothing. */
  perplexity: nullableNumber,
  /** Held-out perplexity on the validation split; null without one. */
  valPerplexity: nullableNumber,
  tokensPerSecond: z.number(),
  elapsedMs: z.number(),
  /** Mean global gradient norm before clipping. */
  gradNorm: nullableNumber.optional(),
  /** Job-specific extras (e.g. BLEU for translation). */
  extra: z.record(z.string(), nullableNumber).optional(),
});
export type MetricsEvent = z.infer<typeof MetricsEventSchema>;
/** One row of a run's metrics history (what checkpoints store and the curves draw). */
export type EpochMetrics = Omit<MetricsEvent, 'type' | 'runId'>;

/** The gates a model recorded (one schema with the heatmap panel's: ./activations.ts). */
export const ActivationsResultSchema = Activations;
export type ActivationsResult = Activations;

export const GenerateResultSchema = z.object({ prefix: z.string(), text: z.string(), tokens: z.array(z.string()) });
export type GenerateResult = z.infer<typeof GenerateResultSchema>;

export const EventSchema = z.discriminatedUnion('type', [
  /** The tfjs backend and the recurrent kernel path this process trains on. */
  z.object({
    type: z.literal('ready'),
    backend: z.string(),
    kernel: z.string().optional(),
    kernelNote: z.string().optional(),
    /** How the job's model computes (e.g. "fused kernel"; a different strategy than configured says why). */
    computation: z.string().optional(),
  }),
  z.object({ type: z.literal('state'), runId: z.string(), state: RunStateSchema, epoch: z.number().int().optional() }),
  z.object({
    type: z.literal('progress'),
    runId: z.string(),
    epoch: z.number().int(),
    batch: z.number().int(),
    batches: z.number().int(),
    loss: z.number().optional(),
  }),
  MetricsEventSchema,
  z.object({
    type: z.literal('sample'),
    runId: z.string(),
    epoch: z.number().int(),
    prefix: z.string(),
    text: z.string(),
    /** Characters at the start of `text` that are the (preprocessed) prefix, not generated. */
    lead: z.number().int().min(0).optional(),
  }),
  z.object({ type: z.literal('checkpoint'), runId: z.string(), epoch: z.number().int(), dir: z.string() }),
  z.object({
    type: z.literal('done'),
    runId: z.string(),
    /** 'completed' = all epochs ran; 'stopped' = a stop request ended it early. */
    reason: z.enum(['completed', 'stopped']),
    epoch: z.number().int(),
    history: z.array(MetricsEventSchema.omit({ type: true, runId: true })),
  }),
  z.object({ type: z.literal('generated'), requestId: z.string(), result: GenerateResultSchema }),
  z.object({ type: z.literal('activations'), requestId: z.string(), result: ActivationsResultSchema }),
  z.object({
    type: z.literal('error'),
    /** Set when the error ended a run. */
    runId: z.string().optional(),
    /** Set when the error answers a request. */
    requestId: z.string().optional(),
    message: z.string(),
    code: z.string().optional(),
  }),
]);
export type RunEvent = z.infer<typeof EventSchema>;
export type RunEventOf<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

function describe(error: z.ZodError): string {
  const i = error.issues[0];
  return i ? `${i.path.join('.') || 'message'}: ${i.message}` : 'invalid';
}

/** Validates a command received by the training process; throws with one sentence on a malformed one. */
export function parseCommand(raw: unknown): Command {
  const r = CommandSchema.safeParse(raw);
  if (!r.success) throw new Error(`The training process received a malformed command (${describe(r.error)}).`);
  return r.data;
}

/** Validates an event received by the host. */
export function parseEvent(raw: unknown): RunEvent {
  const r = EventSchema.safeParse(raw);
  if (!r.success) throw new Error(`The training process sent a malformed event (${describe(r.error)}).`);
  return r.data;
}
