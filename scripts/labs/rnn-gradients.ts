/**
 * The recurrent-networks handout's look at exploding and vanishing gradients, computed by the
 * reference through the lab's own ops (graders/rnn.ops.ts) in a student process, as the grader
 * runs it:
 * - the global norm of the weight gradients of a vanilla RNN against the sequence length T, for
 *   small and large recurrent weights, before and after clipping (clip_grad_norm, max_norm 1);
 * - how much gradient reaches the start of the sequence, ||dL/dh0|| (and ||dL/dc0||), for the
 *   RNN and the LSTM.
 * Prints both as Markdown tables and writes labs/rnn/gradient-norms.svg (the first, log scale).
 *
 *   node -r ./graders/engine/host/register.cjs scripts/labs/rnn-gradients.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import { Rng } from '../../labs/common/rng';
import { referenceTree } from '../../graders/engine/authoring/expected-values';
import { StudentProcess } from '../../graders/engine/host/student-process';
import { loadLab } from '../../graders/engine/core/labs';
import { buildModules } from '../../graders/engine/host/modules';
import type { TensorValue, Values } from '../../graders/engine/core/values';

const ROOT = path.resolve(__dirname, '..', '..');
const H = 8;
const N = 16;
const LENGTHS = [1, 5, 10, 15, 20, 30, 40, 50, 60];
const MAX_NORM = 5;
const SMALL = 0.5;
const LARGE = 3;

// ----- inputs -----------------------------------------------------------------------------------

function t(shape: number[], data: ArrayLike<number>): TensorValue {
  return { shape, data: Float64Array.from(data) };
}

/** N sequences of T inputs (D = 1): the first T values of the same N long random sequences, for every T. */
function inputs(T: number): TensorValue {
  const all = new Rng(2).normals(N * 100);
  return t([N, T, 1], Array.from({ length: N * T }, (_, i) => all[Math.floor(i / T) * 100 + (i % T)]));
}

/** An RNN whose recurrent weights W_hh are normal with standard deviation gamma / sqrt(H), zero biases. */
function rnnWeights(gamma: number): Values {
  const rng = new Rng(1);
  return { W_hh: t([H, H], rng.normals(H * H, gamma / Math.sqrt(H))), W_ih: t([H, 1], rng.normals(H)), b_ih: t([H], new Float64Array(H)), b_hh: t([H], new Float64Array(H)) };
}

/** PyTorch's initialisation, U(-1/sqrt(H), 1/sqrt(H)), for G gate blocks; `forgetBias` is added to the LSTM's forget-gate block of b_ih. */
function initialWeights(G: number, forgetBias = 0): Values {
  const rng = new Rng(3);
  const k = 1 / Math.sqrt(H);
  const uniform = (n: number) => Array.from({ length: n }, () => k * (2 * rng.uniform() - 1));
  const b_ih = uniform(G * H).map((v, i) => (i >= H && i < 2 * H ? v + forgetBias : v));
  return { W_ih: t([G * H, 1], uniform(G * H)), W_hh: t([G * H, H], uniform(G * H * H)), b_ih: t([G * H], b_ih), b_hh: t([G * H], uniform(G * H)) };
}

function norm(...ts: TensorValue[]): number {
  let s = 0;
  for (const x of ts) for (const v of x.data) s += v * v;
  return Math.sqrt(s);
}

// ----- a line chart -----------------------------------------------------------------------------

interface Series {
  label: string;
  colour: string;
  points: Array<[x: number, y: number]>;
}

/** A small self-contained SVG line chart with a log-scale y axis. */
function lineChart(series: Series[], opts: { title: string; x: string; y: string }): string {
  const [W, Hgt, left, right, top, bottom] = [660, 360, 70, 190, 40, 50];
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const logs = series.flatMap((s) => s.points.map((p) => Math.log10(p[1])));
  const [x0, x1] = [0, Math.max(...xs)];
  const [y0, y1] = [Math.floor(Math.min(...logs)), Math.ceil(Math.max(...logs))];
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (W - left - right);
  const py = (y: number) => top + ((y1 - Math.log10(y)) / (y1 - y0)) * (Hgt - top - bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hgt}" viewBox="0 0 ${W} ${Hgt}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${Hgt}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${opts.title}</text>`,
  ];
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y}" y2="${y}" stroke="#ddd"/>`, `<text x="${left - 6}" y="${y + 4}" text-anchor="end">1e${e}</text>`);
  }
  for (let x = 0; x <= x1; x += 10) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${Hgt - bottom}" y2="${Hgt - bottom + 4}" stroke="black"/>`, `<text x="${px(x)}" y="${Hgt - bottom + 18}" text-anchor="middle">${x}</text>`);
  }
  out.push(
    `<line x1="${left}" x2="${W - right}" y1="${Hgt - bottom}" y2="${Hgt - bottom}" stroke="black"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${Hgt - bottom}" stroke="black"/>`,
    `<text x="${(left + W - right) / 2}" y="${Hgt - 12}" text-anchor="middle">${opts.x}</text>`,
    `<text transform="translate(16 ${(top + Hgt - bottom) / 2}) rotate(-90)" text-anchor="middle">${opts.y}</text>`,
  );
  series.forEach((s, k) => {
    const d = s.points.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2"/>`);
    for (const [x, y] of s.points) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.colour}"/>`);
    const ly = top + 10 + 20 * k;
    out.push(`<line x1="${W - right + 12}" x2="${W - right + 32}" y1="${ly}" y2="${ly}" stroke="${s.colour}" stroke-width="2"/>`, `<text x="${W - right + 38}" y="${ly + 4}">${s.label}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

// ----- main -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const lab = loadLab(ROOT, 'rnn');
  const built = buildModules(ROOT, referenceTree(ROOT, 'rnn'), lab.files, lab.opsFile);
  const proc = new StudentProcess(built.modules, { sandbox: 'none', memoryMb: 1024 });
  const call = async (op: string, stage: 'forward' | 'backward', inputs: Values, params: Values, upstream?: Values) => {
    const r = await proc.call({ op, stage, inputs, params, upstream }, 60000);
    if (!r.ok) throw new Error(`${op} ${stage}: ${r.failure.message}`);
    return r.value as Record<string, TensorValue>;
  };
  // L = mean over the batch of the sum of h_T's components (sequence to vector): dL/dh_T = 1/N
  const lastOnly = { upstream_on: 'last' };
  const dhT = t([N, H], new Array(N * H).fill(1 / N));
  const dcT = t([N, H], new Array(N * H).fill(0));
  try {
    const rows: Array<{ T: number; small: number; large: number; clipped: number; rnnH0: number; lstmH0: number; lstmC0: number; lstmC0Forget: number }> = [];
    for (const T of LENGTHS) {
      const x = inputs(T);
      const h0 = t([N, H], new Float64Array(N * H));
      const weightNorm = async (gamma: number) => {
        const g = await call('rnn', 'backward', { x, h0, ...rnnWeights(gamma) }, lastOnly, { hT: dhT });
        return { g, total: norm(g.W_ih, g.W_hh, g.b_ih, g.b_hh) };
      };
      const small = await weightNorm(SMALL);
      const large = await weightNorm(LARGE);
      // clip_grad_norm over the four gradients: g1 = dW_hh, g2 = the other three, flattened
      const rest = large.g;
      const g2 = t([rest.W_ih.data.length + 2 * H], [...rest.W_ih.data, ...rest.b_ih.data, ...rest.b_hh.data]);
      const clipped = await call('clip_grad_norm', 'forward', { g1: rest.W_hh, g2 }, { max_norm: MAX_NORM });
      const rnn = await call('rnn', 'backward', { x, h0, ...initialWeights(1) }, lastOnly, { hT: dhT });
      const lstm = await call('lstm', 'backward', { x, h0, c0: h0, ...initialWeights(4) }, lastOnly, { hT: dhT, cT: dcT });
      const lstmForget = await call('lstm', 'backward', { x, h0, c0: h0, ...initialWeights(4, 3) }, lastOnly, { hT: dhT, cT: dcT });
      rows.push({
        T,
        small: small.total,
        large: large.total,
        clipped: norm(clipped.g1, clipped.g2),
        rnnH0: norm(rnn.h0),
        lstmH0: norm(lstm.h0),
        lstmC0: norm(lstm.c0),
        lstmC0Forget: norm(lstmForget.c0),
      });
    }
    const e = (v: number) => v.toExponential(1);
    console.log(`Global norm of the RNN's weight gradients (H = ${H}, N = ${N}, loss on h_T), W_hh ~ normal with std gamma / sqrt(H):\n`);
    console.log(`| T | gamma = ${SMALL} | gamma = ${LARGE} | gamma = ${LARGE}, clipped to ${MAX_NORM} |\n|---:|---:|---:|---:|`);
    for (const r of rows) console.log(`| ${r.T} | ${e(r.small)} | ${e(r.large)} | ${r.clipped.toFixed(3)} |`);
    console.log(`\nNorm of the gradient that reaches the first step, PyTorch's initialisation (H = ${H}, N = ${N}, loss on h_T):\n`);
    console.log('| T | RNN: dL/dh0 | LSTM: dL/dh0 | LSTM: dL/dc0 | LSTM, forget bias +3: dL/dc0 |\n|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.T} | ${e(r.rnnH0)} | ${e(r.lstmH0)} | ${e(r.lstmC0)} | ${e(r.lstmC0Forget)} |`);

    const svg = lineChart(
      [
        { label: `gamma = ${LARGE}`, colour: '#d62728', points: rows.map((r) => [r.T, r.large]) },
        { label: `gamma = ${LARGE}, clipped to ${MAX_NORM}`, colour: '#1f77b4', points: rows.map((r) => [r.T, r.clipped]) },
        { label: `gamma = ${SMALL}`, colour: '#2ca02c', points: rows.map((r) => [r.T, r.small]) },
      ],
      { title: "Norm of an RNN's weight gradients against sequence length", x: 'sequence length T', y: 'global gradient norm (log scale)' },
    );
    const file = path.join(ROOT, 'labs', 'rnn', 'gradient-norms.svg');
    fs.writeFileSync(file, svg + '\n');
    console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  } finally {
    await proc.close();
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
});
