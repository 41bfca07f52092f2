/**
 * One plot on a panel: uPlot (canvas, no eval, fast live appends, log scales) wrapped with
 * theme colours, PNG/SVG export buttons and DOM attributes a test can read
 * (`data-points` = non-null points per series, `data-appends` = points that arrived live).
 */
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';
import { addStyle, el } from './dom';
import { button } from './elements';
import { alignSeries } from './align';
import { plotToSvg } from './svg';
import { onThemeChange, seriesColors, themeColors } from './theme';

let cssAdded = false;

const INTEGER_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000];
let measurer: CanvasRenderingContext2D | null = null;

/** Width of the y axis: its widest tick label ("120,000", "1e-14") plus the axis title and gaps. */
function yAxisSize(values: string[] | undefined, font: string): number {
  if (!values?.length) return 50;
  measurer ??= document.createElement('canvas').getContext('2d');
  if (!measurer) return 50;
  measurer.font = `11px ${font}`;
  const widest = Math.max(...values.map((v) => measurer!.measureText(v ?? '').width));
  return Math.max(50, Math.ceil(widest) + 34);
}

export type { PlotSeries } from './align';
import type { PlotSeries } from './align';

export interface PlotOptions {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  points?: boolean;
  /** x holds whole numbers (epochs, time steps): ticks only at whole numbers */
  integerX?: boolean;
  height?: number;
  /** Sends the exported file to the host, which asks where to save it. */
  onExport: (format: 'png' | 'svg', fileName: string, data: string) => void;
}

export class Plot {
  readonly root: HTMLElement;
  private readonly canvasHost: HTMLElement;
  private u: uPlot | undefined;
  private series: PlotSeries[] = [];
  private appends = 0;
  private opts: PlotOptions;

  constructor(parent: HTMLElement, opts: PlotOptions) {
    if (!cssAdded) {
      addStyle(uplotCss);
      cssAdded = true;
    }
    this.opts = opts;
    const png = button('PNG', { 'data-export': 'png', title: 'Export as PNG' }, true);
    const svg = button('SVG', { 'data-export': 'svg', title: 'Export as SVG' }, true);
    png.addEventListener('click', () => opts.onExport('png', `${opts.id}.png`, this.toPNG()));
    svg.addEventListener('click', () => opts.onExport('svg', `${opts.id}.svg`, this.toSVG()));
    this.canvasHost = el('div', { class: 'plot-canvas' });
    this.root = el(
      'div',
      { class: 'plot-box', id: `plot-${opts.id}`, 'data-plot': opts.id },
      el('div', { class: 'plot-head' }, el('span', { class: 'plot-title' }, opts.title), el('span', { class: 'toolbar' }, png, svg)),
      this.canvasHost,
    );
    parent.append(this.root);
    new ResizeObserver(() => this.resize()).observe(this.canvasHost);
    onThemeChange(() => this.rebuild());
  }

  setLogY(log: boolean): void {
    if (!!this.opts.logY === log) return;
    this.opts.logY = log;
    this.rebuild();
  }

  setYLabel(label: string): void {
    if (this.opts.yLabel === label) return;
    this.opts.yLabel = label;
    this.rebuild();
  }

  setTitle(title: string): void {
    this.opts.title = title;
    this.root.querySelector('.plot-title')!.textContent = title;
  }

  setSeries(series: PlotSeries[]): void {
    const sameShape =
      this.u && series.length === this.series.length && series.every((s, i) => s.label === this.series[i].label && s.dashed === this.series[i].dashed);
    this.series = series.map((s) => ({ ...s, x: [...s.x], y: [...s.y] }));
    if (sameShape) this.u!.setData(this.aligned());
    else this.rebuild();
    this.updateAttributes();
  }

  /** Live update: one more point on one series. */
  append(label: string, x: number, y: number | null): void {
    const s = this.series.find((t) => t.label === label);
    if (!s) return;
    const at = s.x.indexOf(x);
    if (at >= 0) s.y[at] = y;
    else {
      s.x.push(x);
      s.y.push(y);
    }
    this.appends++;
    this.u?.setData(this.aligned());
    this.updateAttributes();
  }

  pointCounts(): number[] {
    return this.series.map((s) => s.y.filter((v) => v !== null && Number.isFinite(v)).length);
  }

  private updateAttributes(): void {
    this.root.dataset.series = String(this.series.length);
    this.root.dataset.points = this.pointCounts().join(',');
    this.root.dataset.labels = this.series.map((s) => s.label).join('|');
    this.root.dataset.appends = String(this.appends);
  }

  private aligned(): uPlot.AlignedData {
    const { x, ys } = alignSeries(this.series);
    return [x, ...ys] as uPlot.AlignedData;
  }

  private width(): number {
    return Math.max(240, Math.floor(this.canvasHost.clientWidth || 480));
  }

  private resize(): void {
    this.u?.setSize({ width: this.width(), height: this.opts.height ?? 300 });
  }

  private rebuild(): void {
    this.u?.destroy();
    const t = themeColors();
    const palette = seriesColors();
    const axis = (label: string, extra: Partial<uPlot.Axis> = {}): uPlot.Axis => ({
      ...extra,
      label,
      stroke: t.foreground,
      grid: { stroke: t.grid, width: 0.5 },
      ticks: { stroke: t.grid, width: 0.5 },
      font: `11px ${t.font}`,
      labelFont: `12px ${t.font}`,
      // uPlot's default rounds tiny values to "0"; gradients and probabilities need exponents.
      values: (_u: uPlot, splits: number[]) => splits.map((v) => (v == null ? '' : formatTick(v))),
    });
    const o = this.opts;
    const opts: uPlot.Options = {
      width: this.width(),
      height: o.height ?? 300,
      scales: {
        x: { time: false, distr: o.logX ? 3 : 1 },
        y: { distr: o.logY ? 3 : 1 },
      },
      axes: [axis(o.xLabel, o.integerX ? { incrs: INTEGER_INCRS } : {}), axis(o.yLabel, { size: (_u, values) => yAxisSize(values, t.font) })],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: o.xLabel },
        ...this.series.map((s, i) => ({
          label: s.label,
          stroke: palette[(s.colorIndex ?? i) % palette.length],
          width: 1.5,
          dash: s.dashed ? [6, 4] : undefined,
          spanGaps: true,
          points: { show: o.points ?? false, size: 4 },
        })),
      ],
    };
    this.u = new uPlot(opts, this.aligned(), this.canvasHost);
    // Tests (and screenshots) wait for the redraw in a new theme: the body classes it drew with.
    this.root.dataset.theme = document.body.className;
  }

  private colors() {
    const palette = seriesColors();
    return this.series.map((s, i) => palette[(s.colorIndex ?? i) % palette.length]);
  }

  /** Current visible ranges, falling back to the data's extent. */
  private ranges(): { x: [number, number]; y: [number, number] } {
    const sx = this.u?.scales.x, sy = this.u?.scales.y;
    const { x, ys } = alignSeries(this.series);
    const yv = ys.flat().filter((v): v is number => v !== null && Number.isFinite(v) && (!this.opts.logY || v > 0));
    const xr: [number, number] = sx?.min != null && sx?.max != null ? [sx.min, sx.max] : [x[0] ?? 0, x[x.length - 1] ?? 1];
    const yr: [number, number] = sy?.min != null && sy?.max != null ? [sy.min, sy.max] : [Math.min(...yv, 0), Math.max(...yv, 1)];
    return { x: xr, y: yr };
  }

  toSVG(): string {
    const { x } = alignSeries(this.series);
    const { ys } = alignSeries(this.series);
    const colors = this.colors();
    const r = this.ranges();
    return plotToSvg({
      title: this.opts.title,
      xLabel: this.opts.xLabel,
      yLabel: this.opts.yLabel,
      logX: !!this.opts.logX,
      logY: !!this.opts.logY,
      x,
      series: this.series.map((s, i) => ({ label: s.label, color: colors[i], dashed: s.dashed, points: this.opts.points, y: ys[i] })),
      xRange: r.x,
      yRange: r.y,
      colors: themeColors(),
      width: 720,
      height: 440,
    });
  }

  /** The canvas as the user sees it, with the title and a legend drawn around it. */
  toPNG(): string {
    const src = this.u?.ctx.canvas;
    const t = themeColors();
    const dpr = window.devicePixelRatio || 1;
    const w = src?.width ?? 480, h = src?.height ?? 300;
    const head = Math.round(28 * dpr), foot = Math.round(24 * dpr);
    const out = document.createElement('canvas');
    out.width = w;
    out.height = h + head + foot;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = t.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = t.foreground;
    ctx.font = `bold ${Math.round(14 * dpr)}px ${t.font}`;
    ctx.textAlign = 'center';
    ctx.fillText(this.opts.title, w / 2, Math.round(19 * dpr));
    if (src) ctx.drawImage(src, 0, head);
    ctx.textAlign = 'left';
    ctx.font = `${Math.round(12 * dpr)}px ${t.font}`;
    let x = Math.round(12 * dpr);
    const colors = this.colors();
    this.series.forEach((s, i) => {
      ctx.fillStyle = colors[i];
      ctx.fillRect(x, h + head + Math.round(10 * dpr), Math.round(14 * dpr), Math.round(3 * dpr));
      ctx.fillStyle = t.foreground;
      ctx.fillText(s.label, x + Math.round(18 * dpr), h + head + Math.round(15 * dpr));
      x += ctx.measureText(s.label).width + Math.round(34 * dpr);
    });
    return out.toDataURL('image/png');
  }
}

/** Axis tick text: plain for ordinary magnitudes, 1e-5 style for very small or large ones. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) {
    const e = Math.floor(Math.log10(a));
    const m = v / 10 ** e;
    return Math.abs(Math.abs(m) - 1) < 1e-9 ? `${m < 0 ? '-' : ''}1e${e}` : `${Number(m.toPrecision(2))}e${e}`;
  }
  return Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(4)));
}
