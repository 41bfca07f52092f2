/**
 * Every job kind the training process and the CLI can run. A new job = its module (which calls
 * registerJob, see ./run.ts) plus one import line here.
 */
import './lm-job';
import '../translation/mt-job';
