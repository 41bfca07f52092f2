/**
 * Serialises a line/point plot into standalone SVG. uPlot draws on canvas and has no SVG
 * output, so every panel's "SVG" export goes through this one module, from the same data
 * and scale ranges the canvas shows.
 */
export interface SvgSeries {
  label: string;
  color: string;
  dashed?: boolean;
  points?: boolean;
  /** Aligned with `x`; null leaves a gap. */
  y: (number | null)[];
}

export interface SvgPlot {
  title: string;
  xLabel: string;
  yLabel: string;
  logX: boolean;
  logY: boolean;
  x: number[];
  series: SvgSeries[];
  xRange: [number, number];
  yRange: [number, number];
  colors: { foreground: string; background: string; grid: string; font: string };
  width?: number;
  height?: number;
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Tick positions: powers of ten on log axes, 1-2-5 steps on linear ones. */
export function ticks(min: number, max: number, log: boolean, target = 6): number[] {
  if (!(max > min)) return [min];
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      const v = 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
    }
    return out.length >= 2 ? out : [min, max];
  }
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function tickLabel(v: number, log: boolean): string {
  if (log && Math.abs(v) >= 1e4) return `1e${Math.round(Math.log10(v))}`;
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)));
}

export function plotToSvg(p: SvgPlot): string {
  const W = p.width ?? 640, H = p.height ?? 400;
  const m = { left: 64, right: 16, top: 40, bottom: 64 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const tf = (log: boolean) => (v: number) => (log ? Math.log10(v) : v);
  const fx = tf(p.logX), fy = tf(p.logY);
  const [x0, x1] = [fx(p.xRange[0]), fx(p.xRange[1])];
  const [y0, y1] = [fy(p.yRange[0]), fy(p.yRange[1])];
  const sx = (v: number) => m.left + ((fx(v) - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v: number) => m.top + ph - ((fy(v) - y0) / (y1 - y0 || 1)) * ph;
  const c = p.colors;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${escapeXml(c.font)}" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="${escapeXml(c.background)}"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-weight="bold" font-size="14" fill="${escapeXml(c.foreground)}">${escapeXml(p.title)}</text>`);
  for (const t of ticks(p.xRange[0], p.xRange[1], p.logX)) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + ph}" stroke="${escapeXml(c.grid)}" stroke-width="0.5"/>`);
    parts.push(`<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle" fill="${escapeXml(c.foreground)}">${tickLabel(t, p.logX)}</text>`);
  }
  for (const t of ticks(p.yRange[0], p.yRange[1], p.logY)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="${escapeXml(c.grid)}" stroke-width="0.5"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y}" dy="4" text-anchor="end" fill="${escapeXml(c.foreground)}">${tickLabel(t, p.logY)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="${escapeXml(c.foreground)}" stroke-width="1"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${m.top + ph + 36}" text-anchor="middle" fill="${escapeXml(c.foreground)}">${escapeXml(p.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="${escapeXml(c.foreground)}">${escapeXml(p.yLabel)}</text>`);
  p.series.forEach((s) => {
    const segs: string[] = [];
    let cur: string[] = [];
    const dots: string[] = [];
    s.y.forEach((v, i) => {
      const xv = p.x[i];
      const ok = v !== null && Number.isFinite(v) && (!p.logY || v > 0) && (!p.logX || xv > 0);
      if (!ok) {
        if (cur.length) segs.push(cur.join(' '));
        cur = [];
        return;
      }
      const pt = `${sx(xv).toFixed(2)},${sy(v).toFixed(2)}`;
      cur.push(pt);
      if (s.points) dots.push(pt);
    });
    if (cur.length) segs.push(cur.join(' '));
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<g class="series" data-label="${escapeXml(s.label)}">`);
    for (const seg of segs) parts.push(`<polyline points="${seg}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="1.5"${dash}/>`);
    for (const d of dots) {
      const [cx, cy] = d.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="2" fill="${escapeXml(s.color)}"/>`);
    }
    parts.push('</g>');
  });
  // Legend along the bottom edge.
  let lx = m.left;
  for (const s of p.series) {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="${H - 10}" y2="${H - 10}" stroke="${escapeXml(s.color)}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${lx + 22}" y="${H - 6}" fill="${escapeXml(c.foreground)}">${escapeXml(s.label)}</text>`);
    lx += 34 + s.label.length * 7;
  }
  parts.push('</svg>');
  return parts.join('\n');
}
