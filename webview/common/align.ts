/** Pure plot-data helpers (no DOM), shared by the plots and unit-tested in Node. */
export interface PlotSeries {
  label: string;
  x: number[];
  y: (number | null)[];
  dashed?: boolean;
  /** Overrides the palette colour index. */
  colorIndex?: number;
}

/** Merges series with their own x values onto one sorted x axis, as uPlot wants. */
export function alignSeries(series: PlotSeries[]): { x: number[]; ys: (number | null)[][] } {
  const xs = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    s.x.forEach((x, i) => (y[index.get(x)!] = s.y[i] ?? null));
    return y;
  });
  return { x: xs, ys };
}

