/**
 * CPU-heavy work the extension does outside training (vocabulary statistics, BPE merges over
 * a corpus). The same functions run in the compute thread (./worker.ts) or, when that bundle
 * is absent (unit tests), in process. No `vscode` here.
 */
import { indexCorpus, type CorpusText } from '../../core/data/corpus';
import type { BpeJSON } from '../../core/text/bpe';
import type { TokenKind } from '../../core/text/tokenizer';
import type { VocabJSON } from '../../core/text/vocab';
import type { VocabStatsData } from '../../protocol/vocab-stats';
import { computeVocabStats } from '../vocab/computeStats';
import { initBackend, type BackendChoice } from '../../core/backend';
import { currentKernel, kernelInfo, useKernelPath } from '../../core/kernels';
import { archOf, loadTranslator, type TranslateResult } from '../../core/translation';
import type { LengthPenalty } from '../../core/decoding/steering';
import { sineExperiment, type SineResult } from '../../core/models/sine-mlp';
import { hiddenGradientNorms, type BpttResult } from '../../core/training/bptt';
import { trainedGradientNorms } from '../../core/training/bptt-run';
import type { ResolveOptions } from '../../core/data/resolve';
import { importModelFiles, type ImportRequest, type ImportResult } from '../../core/interop/import-model';
import { exportLMFiles, type ExportResult } from '../../core/interop/lm-files';
import { TABLE_EPSILONS, TABLE_ORDERS, baselinesFromTable, ngramPerplexityTable, type NgramBaseline } from '../../core/ngram';

/** Beam search and its steering options, as Translate Selection, the hover and the panels pass them. */
export interface DecodeArgs {
  beam: number;
  alpha: number;
  nBest?: number;
  lengthPenalty?: LengthPenalty;
  minLen?: number;
  noRepeatNgram?: number;
  replaceUnk?: boolean;
}

export interface ComputeJobs {
  vocabStats(a: { source: string; label: string; corpus: CorpusText; token: TokenKind; bpeMerges: number }): VocabStatsData;
  /** The n-gram baselines (n = 1…5, each at its best ε) on the held-out part of a run's split of its corpus. */
  ngramBaselines(a: { corpus: CorpusText; token: TokenKind; maxTokens: number; split: number }): NgramBaseline[];
  /** A corpus's vocabulary (and, for BPE, its learned merges) for Tokenize Selection. */
  reference(a: { corpus: CorpusText; token: TokenKind; bpeMerges: number }): { vocab: VocabJSON; bpe?: BpeJSON };
  /** One sentence through a trained translator (checkpoint folder), n-best with the beam tree. */
  translate(a: { checkpointDir: string; sentence: string; backend: BackendChoice } & DecodeArgs): Promise<TranslateResult>;
  /** d2l 8.1's autoregressive MLP on the noisy sine: 1-, multi- and k-step predictions. */
  sine(a: { tau: number; epochs: number; seed: number; backend: BackendChoice }): Promise<SineResult>;
  /** d2l 8.7: ‖∂L/∂H_t‖ for RNN, GRU and LSTM over one window. */
  bptt(a: { steps: number; hidden: number; initStd: number | null; seed: number; backend: BackendChoice }): Promise<BpttResult[]>;
  /** The same for a trained language model (checkpoint folder) on its corpus, beside fresh cells of its kind. */
  bpttRun(a: { checkpointDir: string; steps: number; seed: number; resolve: ResolveOptions; backend: BackendChoice }): Promise<BpttResult[]>;
  /** A PyTorch model (safetensors + vocabulary) → a checkpoint folder (../interop/commands.ts). */
  importModel(a: ImportRequest): Promise<ImportResult>;
  /** A language-model checkpoint → model.safetensors, vocab.json, corpus.txt, train.py. */
  exportRun(a: { checkpointDir: string; out: string; resolve: ResolveOptions }): Promise<ExportResult>;
}

let backend: Promise<unknown> | undefined;
async function tf(choice: BackendChoice): Promise<void> {
  // Plain JavaScript here, whatever the setting: this thread lives inside the extension host, and
  // native or threaded backends next to other tfjs instances have crashed it (SIGSEGV). These
  // jobs are small (one sentence, a 10-unit MLP, one window of gradients); cpu is plenty.
  void choice;
  backend ??= initBackend({ backend: 'cpu' });
  await backend;
}

let decoding: Promise<string | null> | undefined;
/**
 * Translation decodes on the one-thread WASM kernel (plain WebAssembly: no tfjs backend, no
 * helper thread, no native addon inside the extension host): beam 4 over a 17,851-word target
 * vocabulary takes ~80 ms there and ~2 s on the TypeScript reference kernel. Resolves to null
 * when it runs, else the sentence saying why translation runs on the TypeScript kernel.
 */
function decodingKernel(): Promise<string | null> {
  decoding ??= useKernelPath('wasm-simd').then((ok) =>
    ok ? null : `Translated on the TypeScript kernel (slow at a large vocabulary): the WASM kernel did not load (${kernelInfo().notes.find((n) => n.startsWith('wasm-simd:')) ?? 'no reason given'}).`,
  );
  return decoding;
}

export const jobs: ComputeJobs = {
  vocabStats: (a) => computeVocabStats({ source: a.source, label: a.label, corpus: a.corpus }, a.token, { bpeMerges: a.bpeMerges }),
  ngramBaselines(a) {
    const c = indexCorpus(a.corpus, { token: a.token, maxTokens: a.maxTokens });
    return baselinesFromTable(ngramPerplexityTable(c.ids, { split: a.split, ns: TABLE_ORDERS, epsilons: TABLE_EPSILONS }));
  },
  reference(a) {
    const c = indexCorpus(a.corpus, { token: a.token, bpeMerges: a.bpeMerges });
    const bpe = c.tokenizer.kind === 'bpe' ? (c.tokenizer as unknown as { toJSON(): BpeJSON }).toJSON() : undefined;
    return { vocab: c.vocab.toJSON(), ...(bpe ? { bpe } : {}) };
  },
  async translate(a) {
    // tfjs is loaded here, on the compute thread, never on the extension host's.
    await tf(a.backend);
    // the other jobs keep the kernel they had (their figures do not depend on translations run before)
    const before = currentKernel().path;
    const why = await decodingKernel();
    try {
      const t = loadTranslator(a.checkpointDir);
      // Attention models always return their weights: the heatmap, the hover's alignment and the tree need them.
      const r = t.translate(a.sentence, {
        beam: a.beam, alpha: a.alpha, tree: true, nBest: a.nBest ?? a.beam,
        lengthPenalty: a.lengthPenalty, minLen: a.minLen, noRepeatNgram: a.noRepeatNgram, replaceUnk: a.replaceUnk,
        attention: archOf(t.model) === 'attention',
      });
      if (why) r.notes.push(why);
      return r;
    } finally {
      await useKernelPath(before);
    }
  },
  async sine(a) {
    await tf(a.backend);
    return sineExperiment({ tau: a.tau, epochs: a.epochs, seed: a.seed });
  },
  async bptt(a) {
    await tf(a.backend);
    return (['rnn', 'gru', 'lstm'] as const).map((kind) =>
      hiddenGradientNorms({ kind, steps: a.steps, hidden: a.hidden, seed: a.seed, ...(a.initStd ? { initStd: a.initStd } : {}) }),
    );
  },
  async bpttRun(a) {
    await tf(a.backend);
    return trainedGradientNorms(a.checkpointDir, { steps: a.steps, seed: a.seed, resolve: a.resolve });
  },
  async importModel(a) {
    await tf('cpu');
    return importModelFiles(a);
  },
  async exportRun(a) {
    await tf('cpu');
    return exportLMFiles(a.checkpointDir, a.out, a.resolve);
  },
};

export type JobName = keyof ComputeJobs;
export interface ComputeRequest { id: number; job: JobName; args: unknown }
export type ComputeReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string; code?: string };
