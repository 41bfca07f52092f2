/**
 * The compact alignment of one translation: each output word with the source word it attended
 * to most and that weight, e.g. `j'ai←i (0.62) perdu←lost (0.81) .←. (0.90)`. Hover
 * translations and the CLI show it; the heatmap panel shows the whole matrix.
 */
export interface Aligned {
  attention?: number[][];
  sourceTokens?: string[];
  targetTokens?: string[];
}

export function alignment(t: Aligned): { target: string; source: string; weight: number }[] {
  if (!t.attention || !t.sourceTokens || !t.targetTokens) return [];
  return t.targetTokens.map((target, i) => {
    const row = t.attention![i] ?? [];
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
    return { target, source: t.sourceTokens![best] ?? '?', weight: row[best] ?? 0 };
  });
}

export function alignmentLine(t: Aligned): string {
  return alignment(t).map((a) => `${a.target}←${a.source} (${a.weight.toFixed(2)})`).join('  ');
}
