/** Which translator is "active" and running it (on the compute thread) with results cached. */
import { existsSync } from 'node:fs';
import { SeqlabError } from '../../core/util/errors';
import type { TranslateResult } from '../../core/translation';
import type { RunRecord } from '../../protocol/runs';
import type { TranslationView } from '../../protocol/beam-tree';
import { compute } from '../compute/client';
import type { DecodeArgs } from '../compute/jobs';
import type { Services } from '../services';
import { settings } from '../settings';

/** A translator run's architecture: `seq2seq` or `attention` (runs from before attention have none: seq2seq). */
export function translatorArch(r: RunRecord): string {
  return typeof r.hyper.model === 'string' ? r.hyper.model : 'seq2seq';
}

/** The most recently updated translator run that has a checkpoint (of one architecture, when given). */
export function activeTranslator(s: Services, arch?: string): RunRecord | undefined {
  return s.registry
    .list()
    .filter((r) => r.kind === 'translator' && r.checkpoint && existsSync(s.registry.checkpointDir(r.id)) && (!arch || translatorArch(r) === arch))
    .sort((a, b) => b.updated - a.updated)[0];
}

export function requireTranslator(s: Services, runId?: string, arch?: string): RunRecord {
  if (runId) {
    const r = s.registry.require(runId);
    if (r.kind !== 'translator') throw new SeqlabError(`The run "${r.name}" is a language model, not a translator.`);
    if (!r.checkpoint) throw new SeqlabError(`The translator "${r.name}" has no checkpoint yet; let it train a little longer.`, 'no-checkpoint');
    if (arch === 'attention' && translatorArch(r) !== 'attention') throw new SeqlabError(`“${r.name}” is a plain seq2seq translator (d2l 9.7) and has no attention weights; train one with the Bahdanau attention model.`, 'no-attention');
    return r;
  }
  const r = activeTranslator(s, arch);
  if (!r) {
    throw new SeqlabError(
      arch === 'attention'
        ? 'There is no trained attention translator yet: run "Seqlab: Train Translator…" and pick Bahdanau attention.'
        : 'There is no trained translator yet: run "Seqlab: Train Translator…" first.',
      'no-translator',
    );
  }
  return r;
}

const cache = new Map<string, Promise<TranslationView>>();

/** The beam-search options a user steers (see src/core/decoding/steering.ts); all optional. */
export type DecodeSettings = Omit<DecodeArgs, 'beam' | 'alpha'>;

export function translateWith(s: Services, run: RunRecord, sentence: string, beam: number, alpha: number, decode: DecodeSettings = {}): Promise<TranslationView> {
  const source = sentence.trim();
  if (!source) throw new SeqlabError('There is nothing to translate: the selection is empty.', 'empty-input');
  if (source.length > 1000) throw new SeqlabError('The selection is too long to translate (over 1,000 characters); select one sentence.', 'too-large');
  // The run's epoch and update time make a retrained model miss the cache.
  const key = `${run.id}|${run.epoch}|${run.updated}|${beam}|${alpha}|${JSON.stringify(decode)}|${source}`;
  let p = cache.get(key);
  if (!p) {
    p = compute()
      .run('translate', { checkpointDir: s.registry.checkpointDir(run.id), sentence: source, beam, alpha, ...decode, backend: settings.backend() })
      .then((r) => toView(run, source, r));
    cache.set(key, p);
    p.catch(() => cache.delete(key));
    if (cache.size > 200) cache.delete(cache.keys().next().value!);
  }
  return p;
}

function toView(run: RunRecord, source: string, r: TranslateResult): TranslationView {
  if (!r.tree) throw new SeqlabError('The translator returned no search tree.');
  return {
    runId: run.id,
    runName: run.name,
    source,
    sourceTokens: r.source,
    unknown: r.unknown.map((u) => u.token),
    truncated: r.truncated,
    translations: r.translations.map((t) => ({
      text: t.text, score: t.score, logProb: t.logProb, finished: t.finished,
      ...(t.attention ? { attention: t.attention, sourceTokens: t.sourceTokens, targetTokens: t.targetTokens } : {}),
      ...(t.replaced ? { replaced: t.replaced } : {}),
    })),
    arch: r.arch,
    notes: r.notes,
    tree: {
      nodes: r.tree.nodes.map((n) => ({ id: n.id, parent: n.parent, step: n.step, token: n.token, text: n.text, logProb: n.logProb, score: n.score, status: n.status, finished: n.finished, finalScore: n.finalScore, rank: n.rank, ...(n.attention ? { attention: n.attention } : {}) })),
      beamSize: r.tree.beamSize,
      alpha: r.tree.alpha,
      maxLen: r.tree.maxLen,
      childrenPerNode: Number.isFinite(r.tree.childrenPerNode) ? r.tree.childrenPerNode : -1,
    },
  };
}
