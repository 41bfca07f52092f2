/**
 * Colours come from VS Code's theme variables, so light, dark and high-contrast themes are
 * all readable; canvas plots read them at draw time and redraw when the theme changes.
 */
export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** The chart palette VS Code's own themes define (charts.*), in a fixed order, each made readable on the background. */
export function seriesColors(): string[] {
  const bg = parseColor(cssVar('--vscode-editor-background', '#1e1e1e'));
  const fg = parseColor(cssVar('--vscode-editor-foreground', '#cccccc'));
  return [
    cssVar('--vscode-charts-blue', '#3794ff'),
    cssVar('--vscode-charts-orange', '#d18616'),
    cssVar('--vscode-charts-green', '#89d185'),
    cssVar('--vscode-charts-purple', '#b180d7'),
    cssVar('--vscode-charts-red', '#f14c4c'),
    cssVar('--vscode-charts-yellow', '#cca700'),
  ].map((c) => readable(parseColor(c), bg, fg));
}

type RGB = [number, number, number];

/** Any CSS colour as [r, g, b], resolved by the browser. */
export function parseColor(color: string): RGB {
  const probe = document.createElement('span');
  probe.style.color = color;
  document.body.append(probe);
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(probe).color);
  probe.remove();
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [128, 128, 128];
}

function luminance([r, g, b]: RGB): number {
  const f = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

export function contrast(a: RGB, b: RGB): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** Moves a colour towards the text colour until it reaches 3:1 against the background (WCAG for graphics). */
export function readable(c: RGB, bg: RGB, fg: RGB): string {
  let cur = c;
  for (let t = 0.1; contrast(cur, bg) < 3 && t <= 1; t += 0.1) cur = c.map((v, i) => Math.round(v + (fg[i] - v) * t)) as RGB;
  return `rgb(${cur[0]}, ${cur[1]}, ${cur[2]})`;
}

export interface ThemeColors {
  foreground: string;
  background: string;
  grid: string;
  font: string;
}

export function themeColors(): ThemeColors {
  return {
    foreground: cssVar('--vscode-editor-foreground', cssVar('--vscode-foreground', '#cccccc')),
    background: cssVar('--vscode-editor-background', '#1e1e1e'),
    // A faint version of the text colour: visible on any background, never louder than the data.
    grid: withAlpha(cssVar('--vscode-editor-foreground', cssVar('--vscode-foreground', '#cccccc')), 0.14),
    font: cssVar('--vscode-font-family', 'sans-serif'),
  };
}

export function isHighContrast(): boolean {
  return document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
}

/**
 * Calls `fn` whenever VS Code switches theme. It swaps the body's classes and, separately, the
 * style holding the colour variables; waiting a moment lets both land before canvases re-read them.
 */
export function onThemeChange(fn: () => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(fn, 150);
  };
  new MutationObserver(later).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  new MutationObserver(later).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}

/** `#rrggbb` (or `#rgb`) with an alpha; other colour syntaxes pass through unchanged. */
export function withAlpha(color: string, alpha: number): string {
  let m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(color.trim());
  if (!m) {
    const s = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(color.trim());
    if (!s) return color;
    m = /^#([0-9a-f]{6})$/i.exec(`#${s[1]}${s[1]}${s[2]}${s[2]}${s[3]}${s[3]}`)!;
  }
  return `#${m[1]}${Math.round(alpha * 255).toString(16).padStart(2, '0')}`;
}
