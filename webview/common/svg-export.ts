/**
 * PNG/SVG export buttons for a panel's own SVG drawing (the beam-search tree, the gate
 * heatmaps); uPlot charts export through plot.ts instead. The file must look like the panel
 * without its stylesheet, so the theme's editor background is baked in as a rectangle.
 */
import { button } from './elements';
import { cssVar } from './theme';

const SVGNS = 'http://www.w3.org/2000/svg';
const INLINED = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'font-size', 'font-family', 'font-weight', 'opacity'];

export interface SvgExportOptions {
  /** The file name without its extension. */
  name: string;
  /** Copy computed styles onto every element: for drawings coloured by the panel's CSS classes. */
  inlineStyles?: boolean;
  /** Paint the PNG canvas with the background too, under the drawing. */
  fillCanvas?: boolean;
  post(message: { type: 'export'; format: 'png' | 'svg'; fileName: string; data: string }): void;
}

export function svgExportButton(format: 'png' | 'svg', svg: SVGSVGElement, opts: SvgExportOptions): HTMLElement {
  const b = button(format.toUpperCase(), { 'data-export': format, title: `Export as ${format.toUpperCase()}` }, true);
  b.addEventListener('click', async () => {
    const bg = cssVar('--vscode-editor-background', '#1e1e1e');
    const clone = svg.cloneNode(true) as SVGSVGElement;
    clone.setAttribute('xmlns', SVGNS);
    if (opts.inlineStyles) {
      const live = svg.querySelectorAll('*');
      clone.querySelectorAll('*').forEach((e, i) => {
        const cs = getComputedStyle(live[i]);
        for (const p of INLINED) e.setAttribute(p, cs.getPropertyValue(p));
      });
    }
    const back = document.createElementNS(SVGNS, 'rect');
    back.setAttribute('width', '100%');
    back.setAttribute('height', '100%');
    back.setAttribute('fill', bg);
    clone.prepend(back);
    const markup = new XMLSerializer().serializeToString(clone);
    if (format === 'svg') return opts.post({ type: 'export', format, fileName: `${opts.name}.svg`, data: markup });
    const img = new Image();
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(markup)}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = svg.width.baseVal.value * 2;
    canvas.height = svg.height.baseVal.value * 2;
    const ctx = canvas.getContext('2d')!;
    if (opts.fillCanvas) {
      ctx.fillStyle = bg;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0);
    opts.post({ type: 'export', format, fileName: `${opts.name}.png`, data: canvas.toDataURL('image/png') });
  });
  return b;
}
