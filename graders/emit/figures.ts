/**
 * Pictures for the feedback: heat maps of a matrix-valued output (attention weights), the
 * student's beside the reference's, as a self-contained SVG with row and column axes and a
 * colour scale. Pure functions of the numbers.
 */
import { forXml } from './text';
import { TensorValue, Value, isTensor } from '../engine/core/values';

export interface HeatmapPanel {
  title: string;
  /** rows x columns */
  matrix: number[][];
}

export interface HeatmapOptions {
  title?: string;
  /** Axis names, e.g. 'query position' and 'key position'. */
  rows: string;
  columns: string;
  /** Colour scale range (default: the values' min and max). */
  min?: number;
  max?: number;
}

// A perceptual scale (viridis, sampled), from low to high.
const STOPS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];

function hexToRgb(h: string): [number, number, number] {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

export function colourAt(t: number): string {
  if (!Number.isFinite(t)) return '#d62728'; // NaN and infinities stand out in red
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [hexToRgb(STOPS[i]), hexToRgb(STOPS[i + 1])];
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function label(x: number): string {
  return Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toExponential(1) : x.toFixed(2)) : String(x);
}

/** Side-by-side heat maps sharing one colour scale. */
export function heatmapSvg(panels: HeatmapPanel[], opts: HeatmapOptions): string {
  const finite = panels.flatMap((p) => p.matrix.flat()).filter(Number.isFinite);
  const min = opts.min ?? (finite.length ? Math.min(...finite) : 0);
  const max = opts.max ?? (finite.length ? Math.max(...finite) : 1);
  const span = max - min || 1;
  const rowsN = Math.max(1, ...panels.map((p) => p.matrix.length));
  const colsN = Math.max(1, ...panels.map((p) => p.matrix[0]?.length ?? 0));
  const cell = Math.max(14, Math.min(40, Math.floor(320 / Math.max(rowsN, colsN))));
  const showValues = cell >= 30;
  const left = 64;
  const top = opts.title ? 64 : 44;
  const gap = 48;
  const panelW = colsN * cell;
  const panelH = rowsN * cell;
  const barX = left + panels.length * (panelW + gap);
  const width = barX + 80;
  const height = top + panelH + 56;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  if (opts.title) out.push(`<text x="${left}" y="20" font-size="14" font-weight="bold">${forXml(opts.title)}</text>`);
  panels.forEach((p, k) => {
    const x0 = left + k * (panelW + gap);
    out.push(`<text x="${x0 + panelW / 2}" y="${top - 26}" text-anchor="middle" font-size="12" font-weight="bold">${forXml(p.title)}</text>`);
    p.matrix.forEach((row, i) =>
      row.forEach((v, j) => {
        const t = (v - min) / span;
        out.push(`<rect x="${x0 + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${colourAt(t)}"><title>${forXml(`${opts.rows} ${i}, ${opts.columns} ${j}: ${v}`)}</title></rect>`);
        if (showValues) out.push(`<text x="${x0 + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle" font-size="9" fill="${t > 0.6 ? 'black' : 'white'}">${label(v)}</text>`);
      }),
    );
    for (let j = 0; j < colsN; j++) out.push(`<text x="${x0 + j * cell + cell / 2}" y="${top - 6}" text-anchor="middle">${j}</text>`);
    for (let i = 0; i < rowsN; i++) out.push(`<text x="${x0 - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${i}</text>`);
    out.push(`<text x="${x0 + panelW / 2}" y="${top + panelH + 20}" text-anchor="middle">${forXml(opts.columns)} →</text>`);
    out.push(`<text transform="translate(${x0 - 34},${top + panelH / 2}) rotate(-90)" text-anchor="middle">← ${forXml(opts.rows)}</text>`);
  });
  // Colour bar: max at the top, min at the bottom.
  const steps = 20;
  for (let s = 0; s < steps; s++) {
    out.push(`<rect x="${barX}" y="${top + (s * panelH) / steps}" width="14" height="${panelH / steps + 0.5}" fill="${colourAt(1 - s / (steps - 1))}"/>`);
  }
  out.push(`<text x="${barX + 20}" y="${top + 8}">${label(max)}</text>`);
  out.push(`<text x="${barX + 20}" y="${top + panelH}">${label(min)}</text>`);
  out.push(`<text x="${barX}" y="${top + panelH + 20}">scale</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/** The matrix of the last two axes of a tensor, taking index 0 on every leading axis. */
export function lastTwoAxes(t: TensorValue): number[][] | undefined {
  if (t.shape.length < 2) return undefined;
  const rows = t.shape[t.shape.length - 2];
  const cols = t.shape[t.shape.length - 1];
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => t.data[i * cols + j]));
}

/** The feedback figure of an output: the student's beside the reference's, when both are matrices. */
export function outputFigure(expected: Value | undefined, actual: Value | undefined, opts: HeatmapOptions & { title: string }): string | undefined {
  if (!isTensor(expected)) return undefined;
  const reference = lastTwoAxes(expected);
  if (!reference) return undefined;
  const sameShape = isTensor(actual) && actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
  const student = sameShape ? lastTwoAxes(actual as TensorValue) : undefined;
  const panels = student ? [{ title: 'yours', matrix: student }, { title: 'reference', matrix: reference }] : [{ title: 'reference (yours has another shape or none)', matrix: reference }];
  return heatmapSvg(panels, opts);
}
