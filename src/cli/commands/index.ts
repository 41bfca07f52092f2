import type { CliCommand } from '../command';
import { corpusStatsCommand } from './corpus-stats';
import { vocabCommand } from './vocab';
import { tokenizeCommand } from './tokenize';
import { batchesCommand } from './batches';
import { infoCommand } from './info';
import { ngramLmCommand } from './ngram-lm';

/** Every `seqlab` subcommand; a new command is a file in this folder plus one line here. */
export const COMMANDS: CliCommand[] = [corpusStatsCommand, vocabCommand, tokenizeCommand, batchesCommand, infoCommand, ngramLmCommand] as CliCommand[];
