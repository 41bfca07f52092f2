/**
 * Training engine: public entry points for the extension, the CLI and other jobs.
 * - Protocol (host ↔ training process messages, zod-validated): src/protocol/training.ts
 * - Host side of the training process: TrainingProcess (./process-client.ts); its entry is src/worker/train-process.ts
 * - Generic run machinery and how to plug in a job: ./run.ts; checkpoint folders: ./checkpoint.ts
 * - The language-model job: config (./lm-config.ts), trainer (./lm-trainer.ts), checkpoints (./lm-job.ts)
 * - d2l 8.7 gradient-norm experiment: ./bptt.ts
 */
export * from '../../protocol/training';
export { TrainingProcess, type TrainingProcessOptions } from './process-client';
export { Run, RunStopped, createJob, registerJob, jobFactory, type Job, type JobContext, type JobFactory, type RunOptions } from './run';
export { writeCheckpoint, readCheckpoint, hasCheckpoint, saveTensors, loadTensors, type LoadedCheckpoint } from './checkpoint';
export { LMConfigSchema, parseLMConfig, type LMConfig, type LMConfigInput, type Truncation } from './lm-config';
export { loadLMData, TextCodec, type LMData } from './lm-data';
export { LMTrainer, crossEntropy, truncationScales, modelConfigOf } from './lm-trainer';
export { LMJob, LM_JOB, loadLMCheckpoint, lmActivations, type LoadedLM } from './lm-job';
export { gradClipping } from './grad-clipping';
export { hiddenGradientNorms, type BpttOptions, type BpttResult } from './bptt';
export { TrainingSession } from './session';
