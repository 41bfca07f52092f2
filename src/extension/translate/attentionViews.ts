/**
 * What the Attention Heatmap shows, made from a translation view (no `vscode` here): the
 * n-best hypotheses of Translate Selection, or the path from the root to one beam-tree node
 * (each node keeps the weights of the step that produced it).
 */
import { SeqlabError } from '../../core/util/errors';
import type { AttentionHypothesis, AttentionView } from '../../protocol/attention-heatmap';
import type { BeamTreeNode, TranslationView } from '../../protocol/beam-tree';

const EOS = '<eos>';

function requireAttention(view: TranslationView): void {
  if (view.arch !== 'attention') {
    throw new SeqlabError(`“${view.runName}” is a plain seq2seq translator (d2l 9.7): it has one fixed context and no attention weights to show; train one with the Bahdanau attention model.`, 'no-attention');
  }
}

/** The n-best hypotheses, each with its target × source matrix. */
export function attentionFromTranslations(view: TranslationView, selected = 0): AttentionView {
  requireAttention(view);
  const hypotheses: AttentionHypothesis[] = view.translations.flatMap((t, i) =>
    t.attention && t.sourceTokens && t.targetTokens
      ? [{ label: `${i + 1}. ${t.text || '(empty)'}`, text: t.text, score: t.score, attention: t.attention, sourceTokens: t.sourceTokens, targetTokens: t.targetTokens, ...(t.replaced ? { replaced: t.replaced } : {}) }]
      : [],
  );
  if (hypotheses.length === 0) throw new SeqlabError('The translator returned no attention weights for this sentence.', 'internal');
  return { runId: view.runId, runName: view.runName, source: view.source, hypotheses, selected: Math.min(selected, hypotheses.length - 1), origin: 'translation', notes: view.notes ?? [] };
}

/** The partial hypothesis ending at one beam-tree node: one row per node on its path. */
export function attentionFromNode(view: TranslationView, nodeId: number): AttentionView {
  requireAttention(view);
  const byId = new Map(view.tree.nodes.map((n) => [n.id, n]));
  const end = byId.get(nodeId);
  if (!end) throw new SeqlabError(`The beam tree has no node ${nodeId}.`);
  if (end.status === 'root') throw new SeqlabError('The root (<bos>) has no attention weights: pick a node after it.');
  const path: BeamTreeNode[] = [];
  for (let n: BeamTreeNode | undefined = end; n && n.status !== 'root'; n = n.parent === null ? undefined : byId.get(n.parent)) path.unshift(n);
  const rows = path.map((n) => n.attention);
  if (rows.some((r) => !r)) throw new SeqlabError('This beam tree was recorded without attention weights.', 'internal');
  const width = rows[0]!.length;
  // The columns: the source as the model saw it and <eos>, cut to the model's length like the weights.
  const sourceTokens = [...view.sourceTokens, EOS].slice(0, width);
  const text = path.filter((n) => n.text !== EOS).map((n) => n.text).join(' ');
  const hyp: AttentionHypothesis = {
    label: `beam node ${nodeId}: ${text || '(empty)'}${end.finished ? ' <eos>' : ''}`,
    text,
    score: end.finalScore ?? end.score,
    attention: rows as number[][],
    sourceTokens,
    targetTokens: path.map((n) => n.text),
  };
  return { runId: view.runId, runName: view.runName, source: view.source, hypotheses: [hyp], selected: 0, origin: 'beam-node', notes: view.notes ?? [] };
}
