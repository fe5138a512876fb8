/**
 * How the recurrent-networks grader calls the lab. Op, input and output names follow
 * ../shared/oracle/rnn.json:
 * - rnn_step, lstm_step, gru_step: one time step; outputs h_next (and c_next), gradients of
 *   x, h (and c) and the four weights.
 * - rnn, lstm, gru: a sequence; params.upstream_on 'all' outputs every hidden state `hs`
 *   (sequence to sequence), 'last' only `hT` (sequence to vector); the LSTM also outputs `cT`.
 *   Gradients of x, h0 (and c0) and the four weights.
 * - clip_grad_norm: g1, g2 clipped together, and total_norm.
 * Ops of this lab only (no oracle cases):
 * - rnn_unroll, lstm_unroll, gru_unroll: the student's sequence forward minus the student's own
 *   step function applied step by step (zero when the sequence forward unrolls the step right,
 *   whatever the step computes), so a step bug is not charged again on the sequence forward.
 * - next_step: trains on a seeded power-consumption series; returns the test loss after
 *   training (final_loss) and the training loss of every step (losses).
 *
 * A backward's `params.grads` (a list of input names) keeps only those gradients, so an item
 * can grade the inputs' gradients and the weights' gradients separately.
 *
 * This file runs inside the student process too: no runtime imports.
 */
import type { Rng } from '../labs/common/rng';
import type { Tensor } from '../labs/common/tensor';
import type * as Clip from '../labs/rnn/clip';
import type * as Gru from '../labs/rnn/gru';
import type * as Lstm from '../labs/rnn/lstm';
import type * as Rnn from '../labs/rnn/rnn';
import type * as Train from '../labs/rnn/train';
import type { InputSpec, Ops } from './engine/ops';

type Lab = typeof Rnn & typeof Lstm & typeof Gru & typeof Clip & typeof Train;
type Inputs = Record<string, Tensor>;
type Params = { upstream_on?: 'all' | 'last'; grads?: string[] } & Record<string, unknown>;

// ----- inputs ------------------------------------------------------------------------------------

/** The four weights of a layer with G gate blocks, drawn at about PyTorch's initial scale. */
function weights(G: number): Record<string, InputSpec> {
  const rows = G === 1 ? 'H' : `${G}*H`;
  return {
    W_ih: { shape: [rows, 'D'], scale: 0.5 },
    W_hh: { shape: [rows, 'H'], scale: 0.5 },
    b_ih: { shape: [rows], scale: 0.5 },
    b_hh: { shape: [rows], scale: 0.5 },
  };
}

function stepInputs(G: number, cell: boolean): Record<string, InputSpec> {
  return { x: { shape: ['N', 'D'] }, h: { shape: ['N', 'H'], scale: 0.5 }, ...weights(G), ...(cell ? { c: { shape: ['N', 'H'], scale: 0.5 } } : {}) };
}

function sequenceInputs(G: number, cell: boolean): Record<string, InputSpec> {
  return { x: { shape: ['N', 'T', 'D'] }, h0: { shape: ['N', 'H'], scale: 0.5 }, ...weights(G), ...(cell ? { c0: { shape: ['N', 'H'], scale: 0.5 } } : {}) };
}

function paramsOf(i: Inputs) {
  return { W_ih: i.W_ih, W_hh: i.W_hh, b_ih: i.b_ih, b_hh: i.b_hh };
}

// ----- time steps (this file may import nothing, so it has its own) --------------------------------

function zerosOf(shape: number[]): Tensor {
  return { shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)) };
}

function sameShape(t: Tensor | undefined, shape: number[]): boolean {
  return t !== undefined && t.shape !== undefined && t.shape.length === shape.length && shape.every((d, k) => t.shape[k] === d);
}

/** Throws a readable error unless `t` has the expected shape. */
function expectShape(t: Tensor | undefined, shape: number[], what: string): Tensor {
  if (!sameShape(t, shape)) throw new Error(`${what} should have shape [${shape.join(', ')}], got ${t?.shape ? `[${t.shape.join(', ')}]` : String(t)}`);
  return t!;
}

/** x[:, t, :] of x: [N, T, D]. */
function timeStep(x: Tensor, t: number): Tensor {
  const [N, T, D] = x.shape;
  const out = zerosOf([N, D]);
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) out.data[n * D + d] = x.data[(n * T + t) * D + d];
  return out;
}

/** out[:, t, :] = v. */
function setTimeStep(out: Tensor, t: number, v: Tensor): void {
  const [N, T, H] = out.shape;
  for (let n = 0; n < N; n++) for (let j = 0; j < H; j++) out.data[(n * T + t) * H + j] = v.data[n * H + j];
}

/** dhs: [N, T, H] for a backward: the upstream on every state, or on the last one only. */
function upstreamOnStates(p: Params, up: Record<string, Tensor>, N: number, T: number, H: number): Tensor {
  if (p.upstream_on !== 'last') return up.hs;
  const dhs = zerosOf([N, T, H]);
  setTimeStep(dhs, T - 1, up.hT);
  return dhs;
}

/** The sequence's outputs: every state (sequence to sequence) or the last one (sequence to vector). */
function statesOut(p: Params, hs: Tensor): Record<string, Tensor> {
  return p.upstream_on === 'last' ? { hT: timeStep(hs, hs.shape[1] - 1) } : { hs };
}

/** The gradients named in params.grads, or all of them. */
function selected(p: Params, grads: Record<string, Tensor>): Record<string, Tensor> {
  return p.grads ? Object.fromEntries(p.grads.map((k) => [k, grads[k]])) : grads;
}

function weightGrads(g: { dW_ih: Tensor; dW_hh: Tensor; db_ih: Tensor; db_hh: Tensor }) {
  return { W_ih: g.dW_ih, W_hh: g.dW_hh, b_ih: g.db_ih, b_hh: g.db_hh };
}

function minus(a: Tensor, b: Tensor): Tensor {
  return { shape: a.shape, data: a.data.map((v, i) => v - b.data[i]) };
}

// ----- the unroll checks ----------------------------------------------------------------------------

/**
 * hs from the sequence forward minus the states that the step function gives, step by step
 * from h0 (and c0): zero when the sequence forward unrolls the step, right or wrong.
 */
function unrollGap(
  x: Tensor,
  h0: Tensor,
  c0: Tensor | undefined,
  sequence: { hs: Tensor; cT?: Tensor },
  step: (xt: Tensor, h: Tensor, c: Tensor | undefined) => { hNext: Tensor; cNext?: Tensor },
  names: { sequence: string; step: string },
): Record<string, Tensor> {
  const [N, T] = x.shape;
  const H = h0.shape[1];
  expectShape(sequence.hs, [N, T, H], `hs from ${names.sequence}`);
  const stepwise = zerosOf([N, T, H]);
  let h = h0;
  let c = c0;
  for (let t = 0; t < T; t++) {
    const next = step(timeStep(x, t), h, c);
    h = expectShape(next.hNext, [N, H], `hNext from ${names.step}`);
    if (c0) c = expectShape(next.cNext, [N, H], `cNext from ${names.step}`);
    setTimeStep(stepwise, t, h);
  }
  const gap: Record<string, Tensor> = { hs_minus_steps: minus(sequence.hs, stepwise) };
  if (c0) gap.cT_minus_steps = minus(expectShape(sequence.cT, [N, H], `cT from ${names.sequence}`), c!);
  return gap;
}

// ----- the sequence task ------------------------------------------------------------------------------

/**
 * A synthetic hourly power consumption: a morning and an evening peak every 24 hours, lower
 * weekends, and slowly varying AR(1) noise; normalised to mean 0 and standard deviation 1.
 */
export function powerConsumption(rng: Rng, length: number): { shape: number[]; data: Float64Array } {
  const raw = new Float64Array(length);
  let noise = 0;
  for (let t = 0; t < length; t++) {
    const hour = t % 24;
    const weekend = Math.floor(t / 24) % 7 >= 5;
    const daily = 0.3 + 0.6 * Math.exp(-((hour - 8) ** 2) / 8) + Math.exp(-((hour - 19) ** 2) / 6);
    noise = 0.5 * noise + 0.05 * rng.normal();
    raw[t] = (weekend ? 0.75 : 1) * daily + noise;
  }
  const mean = raw.reduce((a, b) => a + b, 0) / length;
  const std = Math.sqrt(raw.reduce((a, b) => a + (b - mean) ** 2, 0) / length);
  return { shape: [length], data: raw.map((v) => (v - mean) / std) };
}

// ----- ops ------------------------------------------------------------------------------------------

export const ops: Ops<Lab> = {
  rnn_step: {
    uses: { forward: ['rnnStepForward'], backward: ['rnnStepForward', 'rnnStepBackward'] },
    inputs: stepInputs(1, false),
    forward: (lab, i: Inputs) => ({ h_next: lab.rnnStepForward(i.x, i.h, paramsOf(i)).hNext }),
    backward: (lab, i: Inputs, p: Params, up) => {
      const g = lab.rnnStepBackward(up.h_next, lab.rnnStepForward(i.x, i.h, paramsOf(i)).cache);
      return selected(p, { x: g.dx, h: g.dh, ...weightGrads(g) });
    },
  },
  lstm_step: {
    uses: { forward: ['lstmStepForward'], backward: ['lstmStepForward', 'lstmStepBackward'] },
    inputs: stepInputs(4, true),
    forward: (lab, i: Inputs) => {
      const r = lab.lstmStepForward(i.x, i.h, i.c, paramsOf(i));
      return { h_next: r.hNext, c_next: r.cNext };
    },
    backward: (lab, i: Inputs, p: Params, up) => {
      const g = lab.lstmStepBackward(up.h_next, up.c_next, lab.lstmStepForward(i.x, i.h, i.c, paramsOf(i)).cache);
      return selected(p, { x: g.dx, h: g.dh, c: g.dc, ...weightGrads(g) });
    },
  },
  gru_step: {
    uses: { forward: ['gruStepForward'], backward: ['gruStepForward', 'gruStepBackward'] },
    inputs: stepInputs(3, false),
    forward: (lab, i: Inputs) => ({ h_next: lab.gruStepForward(i.x, i.h, paramsOf(i)).hNext }),
    backward: (lab, i: Inputs, p: Params, up) => {
      const g = lab.gruStepBackward(up.h_next, lab.gruStepForward(i.x, i.h, paramsOf(i)).cache);
      return selected(p, { x: g.dx, h: g.dh, ...weightGrads(g) });
    },
  },

  rnn: {
    uses: { forward: ['rnnForward'], backward: ['rnnForward', 'rnnBackward'] },
    inputs: sequenceInputs(1, false),
    forward: (lab, i: Inputs, p: Params) => statesOut(p, lab.rnnForward(i.x, i.h0, paramsOf(i)).hs),
    backward: (lab, i: Inputs, p: Params, up) => {
      const [N, T] = i.x.shape;
      const dhs = upstreamOnStates(p, up, N, T, i.h0.shape[1]);
      const g = lab.rnnBackward(dhs, lab.rnnForward(i.x, i.h0, paramsOf(i)).cache);
      return selected(p, { x: g.dx, h0: g.dh0, ...weightGrads(g) });
    },
  },
  lstm: {
    uses: { forward: ['lstmForward'], backward: ['lstmForward', 'lstmBackward'] },
    inputs: sequenceInputs(4, true),
    forward: (lab, i: Inputs, p: Params) => {
      const r = lab.lstmForward(i.x, i.h0, i.c0, paramsOf(i));
      return { ...statesOut(p, r.hs), cT: r.cT };
    },
    backward: (lab, i: Inputs, p: Params, up) => {
      const [N, T] = i.x.shape;
      const H = i.h0.shape[1];
      const dhs = upstreamOnStates(p, up, N, T, H);
      const g = lab.lstmBackward(dhs, up.cT ?? zerosOf([N, H]), lab.lstmForward(i.x, i.h0, i.c0, paramsOf(i)).cache);
      return selected(p, { x: g.dx, h0: g.dh0, c0: g.dc0, ...weightGrads(g) });
    },
  },
  gru: {
    uses: { forward: ['gruForward'], backward: ['gruForward', 'gruBackward'] },
    inputs: sequenceInputs(3, false),
    forward: (lab, i: Inputs, p: Params) => statesOut(p, lab.gruForward(i.x, i.h0, paramsOf(i)).hs),
    backward: (lab, i: Inputs, p: Params, up) => {
      const [N, T] = i.x.shape;
      const dhs = upstreamOnStates(p, up, N, T, i.h0.shape[1]);
      const g = lab.gruBackward(dhs, lab.gruForward(i.x, i.h0, paramsOf(i)).cache);
      return selected(p, { x: g.dx, h0: g.dh0, ...weightGrads(g) });
    },
  },

  rnn_unroll: {
    uses: { forward: ['rnnForward', 'rnnStepForward'] },
    inputs: sequenceInputs(1, false),
    forward: (lab, i: Inputs) =>
      unrollGap(i.x, i.h0, undefined, lab.rnnForward(i.x, i.h0, paramsOf(i)), (xt, h) => lab.rnnStepForward(xt, h, paramsOf(i)), {
        sequence: 'rnnForward',
        step: 'rnnStepForward',
      }),
  },
  lstm_unroll: {
    uses: { forward: ['lstmForward', 'lstmStepForward'] },
    inputs: sequenceInputs(4, true),
    forward: (lab, i: Inputs) =>
      unrollGap(i.x, i.h0, i.c0, lab.lstmForward(i.x, i.h0, i.c0, paramsOf(i)), (xt, h, c) => lab.lstmStepForward(xt, h, c!, paramsOf(i)), {
        sequence: 'lstmForward',
        step: 'lstmStepForward',
      }),
  },
  gru_unroll: {
    uses: { forward: ['gruForward', 'gruStepForward'] },
    inputs: sequenceInputs(3, false),
    forward: (lab, i: Inputs) =>
      unrollGap(i.x, i.h0, undefined, lab.gruForward(i.x, i.h0, paramsOf(i)), (xt, h) => lab.gruStepForward(xt, h, paramsOf(i)), {
        sequence: 'gruForward',
        step: 'gruStepForward',
      }),
  },

  clip_grad_norm: {
    uses: { forward: ['clipGradNorm'] },
    inputs: { g1: { shape: [3, 4], scale: 2 }, g2: { shape: [5], scale: 2 } },
    forward: (lab, i: Inputs, p: { max_norm: number }) => {
      const r = lab.clipGradNorm([i.g1, i.g2], p.max_norm);
      return { g1: r.grads[0], g2: r.grads[1], total_norm: r.totalNorm };
    },
  },

  next_step: {
    uses: { forward: ['trainNextStep'] },
    generate: (rng, p) => ({ series: powerConsumption(rng, Number(p.length)) }),
    forward: (lab, i: Inputs, p: Train.NextStepOptions & { length: number }) => {
      const r = lab.trainNextStep(i.series, {
        cell: p.cell,
        hidden: p.hidden,
        window: p.window,
        batch: p.batch,
        steps: p.steps,
        lr: p.lr,
        maxNorm: p.maxNorm,
        testLength: p.testLength,
        seed: p.seed,
      });
      // losses are for the handout's table (scripts/labs/rnn-task.ts); items bound final_loss only
      return { final_loss: r.testLoss, losses: { shape: [r.losses?.length ?? 0], data: Float64Array.from(r.losses ?? []) } };
    },
  },
};
