import type { CliCommand } from '../command';
import { corpusStatsCommand } from './corpus-stats';
import { vocabCommand } from './vocab';
import { tokenizeCommand } from './tokenize';
import { batchesCommand } from './batches';
import { infoCommand } from './info';
import { ngramLmCommand } from './ngram-lm';
import { trainLmCommand } from './train-lm';
import { generateCommand } from './generate';
import { sineCommand } from './sine';
import { bpttCommand } from './bptt';
import { trainMtCommand } from './train-mt';
import { translateCommand } from './translate';
import { bleuCommand } from './bleu';
import { importCommand } from './import';
import { exportCommand } from './export';
import { runCommand } from './run';

/** Every `seqlab` subcommand; a new command is a file in this folder plus one line here. */
export const COMMANDS: CliCommand[] = [corpusStatsCommand, vocabCommand, tokenizeCommand, batchesCommand, infoCommand, ngramLmCommand, trainLmCommand, generateCommand, sineCommand, bpttCommand, trainMtCommand, translateCommand, bleuCommand, importCommand, exportCommand, runCommand] as CliCommand[];
