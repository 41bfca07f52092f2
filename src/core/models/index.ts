/** Recurrent models of d2l chapters 8–9: scratch cells, the language model, prediction, gate recording, 8.1's MLP. */
export { CELLS, GATE_NAMES, GATES, rnnCell, gruCell, lstmCell, scaleGradient, splitGates, type CellKind, type CellState, type CellStep } from './cells';
export { RecurrentLM, CELL_KINDS, IMPLS, disposeState, keepState, validateModelConfig, type Impl, type LMState, type ModelConfig, type ForwardOptions } from './rnn-lm';
export { tokenRows } from './token-rows';
export { chooseStrategy, describeStrategy, STRATEGY_LABELS, type StrategyChoice } from './recurrent/strategy';
export { INITIALIZERS, type Initializer } from './recurrent/init';
export { LANGUAGE_MODELS, LANGUAGE_MODEL_NAMES } from './registry';
export { predictIds, sampleToken, validateSampleOptions, type SampleOptions } from './predict';
export { recordActivations, MAX_RECORD_STEPS } from './activations';
export { sineExperiment, type SineOptions, type SineResult } from './sine-mlp';
