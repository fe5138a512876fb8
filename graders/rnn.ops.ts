/**
 * How the recurrent-networks grader calls the lab. Op, input and output names follow
 * ../shared/oracle/rnn.json:
 * - rnn_step, lstm_step, gru_step: one time step; outputs h_next (and c_next), gradients of
 *   x, h (and c) and the four weights.
 * - rnn, lstm, gru: a sequence; params.upstream_on 'all' outputs every hidden state `hs`
 *   (sequence to sequence), 'last' only `hT` (sequence to vector); the LSTM also outputs `cT`.
 *   Gradients of x, h0 (and c0) and the four weights.
 * - clip_grad_norm: g1, g2 clipped together, and total_norm.
 * Op names and definitions follow ../shared/oracle-sequence/rnn.json:
 * - rnn_stacked, gru_stacked, lstm_stacked: L layers (params.L); inputs x, h0 [L, N, H] (and c0)
 *   and layer l's W_ih_l{l}, W_hh_l{l}, b_ih_l{l}, b_hh_l{l}; outputs hs (the top layer's), hT
 *   [L, N, H] (and cT). Gradients of x, h0 (and c0) and every layer's weights.
 * - seq2vec_bce: a GRU over x from h0, logits = h_T W_fc^T + b_fc ([N]), loss = mean BCE with
 *   logits against labels (int 0/1, not differentiated); gradients of loss * upstream.loss.
 * Ops of this lab only (no oracle cases):
 * - rnn_unroll, lstm_unroll, gru_unroll: the student's sequence forward minus the student's own
 *   step function applied step by step (zero when the sequence forward unrolls the step right,
 *   whatever the step computes), so a step bug is not charged again on the sequence forward.
 * - next_step: trains on a seeded power-consumption series; returns the test loss after
 *   training (final_loss) and the training loss of every step (losses).
 * - rnn_stacked_unroll, gru_stacked_unroll, lstm_stacked_unroll: the student's stacked forward
 *   minus the student's own sequence forward run layer by layer (zero when the stack is wired
 *   right, whatever the layers compute), so a layer bug is not charged again on the stack.
 * - bce_with_logits: the loss alone, forward (loss) and backward (logits).
 * - seq2vec_task: trains the student's GRU classifier on a seeded spike-detection set, once per
 *   student process, then classifies ONE held-out sequence (the case's input) with the
 *   student's seq2vecForward and the trained weights: `prediction` 0 or 1. The held-out label
 *   is never an input: each case is one held-out sequence, the grader compares the prediction
 *   with the reference's (which is the label: test/labs/rnn.test.ts checks it), so the item's
 *   proportional score is the held-out accuracy, computed on the grader's side.
 *
 * A backward's `params.grads` (a list of input names) keeps only those gradients, so an item
 * can grade the inputs' gradients and the weights' gradients separately.
 *
 * This file runs inside the student process too: no runtime imports.
 */
import type { Rng } from '../labs/common/rng';
import type { IntTensor, Tensor } from '../labs/common/tensor';
import type * as Clip from '../labs/rnn/clip';
import type * as Gru from '../labs/rnn/gru';
import type * as Lstm from '../labs/rnn/lstm';
import type * as Rnn from '../labs/rnn/rnn';
import type * as Seq2Vec from '../labs/rnn/seq2vec';
import type * as Stacked from '../labs/rnn/stacked';
import type * as Train from '../labs/rnn/train';
import type { InputSpec, Ops } from './engine/core/ops';

type Lab = typeof Rnn & typeof Lstm & typeof Gru & typeof Clip & typeof Train & typeof Stacked & typeof Seq2Vec;
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

/** Throws a readable error unless `t` is a tensor (of any shape). */
function expectTensor(t: Tensor | undefined, what: string): Tensor {
  if (!t || !Array.isArray(t.shape) || !t.data) throw new Error(`${what} should be a tensor, got ${String(t)}`);
  return t;
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

// ----- stacked layers -------------------------------------------------------------------------------

/** Layer l of s: [L, N, H]. */
function layerOf(s: Tensor, l: number): Tensor {
  const [, N, H] = s.shape;
  return { shape: [N, H], data: s.data.slice(l * N * H, (l + 1) * N * H) };
}

/** [N, H] tensors, layer 0 first, as [L, N, H]. */
function stackLayers(states: Tensor[]): Tensor {
  const [N, H] = states[0].shape;
  const out = zerosOf([states.length, N, H]);
  states.forEach((s, l) => out.data.set(s.data, l * N * H));
  return out;
}

/** L layers' weights with G gate blocks, as inputs W_ih_l0, W_hh_l0, ...; layer 0 reads D features, the others H. */
function drawStacked(G: number, cell: boolean) {
  return (rng: Rng, p: Params) => {
    const [N, T, D, H, L] = ['N', 'T', 'D', 'H', 'L'].map((k) => Number(p[k]));
    const normal = (shape: number[], std: number) => ({ shape, data: rng.normals(shape.reduce((a, b) => a * b, 1), std) });
    const inputs: Record<string, { shape: number[]; data: Float64Array }> = { x: normal([N, T, D], 1), h0: normal([L, N, H], 0.5) };
    if (cell) inputs.c0 = normal([L, N, H], 0.5);
    for (let l = 0; l < L; l++) {
      inputs[`W_ih_l${l}`] = normal([G * H, l === 0 ? D : H], 0.5);
      inputs[`W_hh_l${l}`] = normal([G * H, H], 0.5);
      inputs[`b_ih_l${l}`] = normal([G * H], 0.5);
      inputs[`b_hh_l${l}`] = normal([G * H], 0.5);
    }
    return inputs;
  };
}

/** The layers' weights of a stacked case, layer 0 first (as many as there are W_ih_l{l} inputs). */
function layersOf(i: Inputs): Array<{ W_ih: Tensor; W_hh: Tensor; b_ih: Tensor; b_hh: Tensor }> {
  const layers = [];
  for (let l = 0; `W_ih_l${l}` in i; l++) layers.push({ W_ih: i[`W_ih_l${l}`], W_hh: i[`W_hh_l${l}`], b_ih: i[`b_ih_l${l}`], b_hh: i[`b_hh_l${l}`] });
  return layers;
}

/** Every layer's weight gradients, named like the inputs (W_ih_l0, ...). */
function layerGrads(layers: Array<{ dW_ih: Tensor; dW_hh: Tensor; db_ih: Tensor; db_hh: Tensor }> | undefined): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  (Array.isArray(layers) ? layers : []).forEach((g, l) => Object.assign(out, { [`W_ih_l${l}`]: g?.dW_ih, [`W_hh_l${l}`]: g?.dW_hh, [`b_ih_l${l}`]: g?.db_ih, [`b_hh_l${l}`]: g?.db_hh }));
  return out;
}

/** a - b, or `a` itself when the shapes differ (the grader then reports the wrong shape). */
function gapOrValue(a: Tensor, b: Tensor): Tensor {
  return sameShape(a, [...b.shape]) ? minus(a, b) : a;
}

/**
 * The student's stacked outputs minus what the student's own sequence forward gives layer by
 * layer: layer 0 over x, layer l over layer l-1's hs, each from its own h0[l] (and c0[l]).
 */
function depthGap(
  x: Tensor,
  h0: Tensor,
  c0: Tensor | undefined,
  stacked: { hs: Tensor; hT: Tensor; cT?: Tensor },
  layer: (input: Tensor, h: Tensor, c: Tensor | undefined, l: number) => { hs: Tensor; cT?: Tensor },
  names: { stacked: string; layer: string },
): Record<string, Tensor> {
  const [L, N, H] = h0.shape;
  const T = x.shape[1];
  const lastH: Tensor[] = [];
  const lastC: Tensor[] = [];
  let input = x;
  for (let l = 0; l < L; l++) {
    const r = layer(input, layerOf(h0, l), c0 && layerOf(c0, l), l);
    input = expectShape(r.hs, [N, T, H], `hs from ${names.layer} (layer ${l})`);
    lastH.push(timeStep(input, T - 1));
    if (c0) lastC.push(expectShape(r.cT, [N, H], `cT from ${names.layer} (layer ${l})`));
  }
  const gap: Record<string, Tensor> = {
    hs_minus_layers: gapOrValue(expectTensor(stacked.hs, `hs from ${names.stacked}`), input),
    hT_minus_layers: gapOrValue(expectTensor(stacked.hT, `hT from ${names.stacked}`), stackLayers(lastH)),
  };
  if (c0) gap.cT_minus_layers = gapOrValue(expectTensor(stacked.cT, `cT from ${names.stacked}`), stackLayers(lastC));
  return gap;
}

// ----- sequence to vector -----------------------------------------------------------------------------

function scalarOf(v: unknown): number {
  if (typeof v === 'number') return v;
  const t = v as Tensor | undefined;
  if (t && t.data && t.data.length === 1) return t.data[0];
  throw new Error(`expected a number, got ${JSON.stringify(v)}`);
}

function seq2vecParamsOf(i: Inputs): Seq2Vec.Seq2VecParams {
  return { W_ih: i.W_ih, W_hh: i.W_hh, b_ih: i.b_ih, b_hh: i.b_hh, W_fc: i.W_fc, b_fc: i.b_fc };
}

/**
 * The sequence task: does a sequence hold a spike? `count` sequences of T steps, one feature:
 * noise uniform in [-0.5, 0.5]; half of them (label 1) have one spike, uniform in [2.5, 3.5],
 * at a step uniform in 0 .. T-1. The spike can come at any step and only h_T is classified, so
 * the state must remember it: the last input alone gets 1/2 + 1/2T right.
 * Draws, per sequence: the label (int(2)), the spike's step (int(T)), then each step's value.
 */
export function spikeSequences(rng: Pick<Rng, 'uniform' | 'int'>, count: number, T: number): { x: Tensor; labels: IntTensor } {
  const x = zerosOf([count, T, 1]);
  const labels: IntTensor = { shape: [count], data: new Int32Array(count) };
  for (let n = 0; n < count; n++) {
    const y = rng.int(2);
    const spikeAt = rng.int(T);
    for (let t = 0; t < T; t++) x.data[n * T + t] = y === 1 && t === spikeAt ? 2.5 + rng.uniform() : rng.uniform() - 0.5;
    labels.data[n] = y;
  }
  return { x, labels };
}

/** The labs' Rng (mulberry32), for drawing the training set inside the student process, where this file can import nothing. */
function seededRng(seed: number): Pick<Rng, 'uniform' | 'int'> {
  let state = seed >>> 0;
  const uniform = () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { uniform, int: (n: number) => Math.floor(uniform() * n) };
}

/** The sequence task's params: the training set (data_seed, train sequences of T steps) and the Seq2VecOptions. */
type TaskParams = Seq2Vec.Seq2VecOptions & { T: number; train: number; data_seed: number };

/**
 * The student's training, once per task and student process: the held-out cases of an item
 * share it. A training that threw throws again for every case, without running again.
 */
const trainings = new Map<string, { params: Seq2Vec.Seq2VecParams } | { error: unknown }>();

function trainedClassifier(lab: Lab, p: TaskParams): Seq2Vec.Seq2VecParams {
  const key = JSON.stringify([p.data_seed, p.train, p.T, p.hidden, p.batch, p.steps, p.lr, p.maxNorm, p.seed]);
  let done = trainings.get(key);
  if (!done) {
    try {
      done = { params: train(lab, p) };
    } catch (error) {
      done = { error };
    }
    trainings.set(key, done);
  }
  if ('error' in done) throw done.error;
  return done.params;
}

/** The task's training set: `train` sequences drawn from data_seed. */
export function spikeTrainingSet(p: Pick<TaskParams, 'data_seed' | 'train' | 'T'>): { x: Tensor; labels: IntTensor } {
  return spikeSequences(seededRng(p.data_seed), p.train, p.T);
}

function train(lab: Lab, p: TaskParams): Seq2Vec.Seq2VecParams {
  const { x, labels } = spikeTrainingSet(p);
  const w = lab.trainSeq2Vec(x, labels, { hidden: p.hidden, batch: p.batch, steps: p.steps, lr: p.lr, maxNorm: p.maxNorm, seed: p.seed })?.params;
  const H = p.hidden;
  const shapes: Record<keyof Seq2Vec.Seq2VecParams, number[]> = { W_ih: [3 * H, 1], W_hh: [3 * H, H], b_ih: [3 * H], b_hh: [3 * H], W_fc: [1, H], b_fc: [1] };
  for (const [k, shape] of Object.entries(shapes)) expectShape(w?.[k as keyof Seq2Vec.Seq2VecParams], shape, `params.${k} from trainSeq2Vec`);
  return w;
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

  rnn_stacked: {
    uses: { forward: ['rnnStackedForward'], backward: ['rnnStackedForward', 'rnnStackedBackward'] },
    generate: drawStacked(1, false),
    forward: (lab, i: Inputs) => {
      const r = lab.rnnStackedForward(i.x, i.h0, layersOf(i));
      return { hs: r.hs, hT: r.hT };
    },
    backward: (lab, i: Inputs, p: Params, up) => {
      const g = lab.rnnStackedBackward(up.hs, up.hT, lab.rnnStackedForward(i.x, i.h0, layersOf(i)).cache);
      return selected(p, { x: g.dx, h0: g.dh0, ...layerGrads(g.layers) });
    },
  },
  gru_stacked: {
    uses: { forward: ['gruStackedForward'], backward: ['gruStackedForward', 'gruStackedBackward'] },
    generate: drawStacked(3, false),
    forward: (lab, i: Inputs) => {
      const r = lab.gruStackedForward(i.x, i.h0, layersOf(i));
      return { hs: r.hs, hT: r.hT };
    },
    backward: (lab, i: Inputs, p: Params, up) => {
      const g = lab.gruStackedBackward(up.hs, up.hT, lab.gruStackedForward(i.x, i.h0, layersOf(i)).cache);
      return selected(p, { x: g.dx, h0: g.dh0, ...layerGrads(g.layers) });
    },
  },
  lstm_stacked: {
    uses: { forward: ['lstmStackedForward'], backward: ['lstmStackedForward', 'lstmStackedBackward'] },
    generate: drawStacked(4, true),
    forward: (lab, i: Inputs) => {
      const r = lab.lstmStackedForward(i.x, i.h0, i.c0, layersOf(i));
      return { hs: r.hs, hT: r.hT, cT: r.cT };
    },
    backward: (lab, i: Inputs, p: Params, up) => {
      const g = lab.lstmStackedBackward(up.hs, up.hT, up.cT, lab.lstmStackedForward(i.x, i.h0, i.c0, layersOf(i)).cache);
      return selected(p, { x: g.dx, h0: g.dh0, c0: g.dc0, ...layerGrads(g.layers) });
    },
  },

  rnn_stacked_unroll: {
    uses: { forward: ['rnnStackedForward', 'rnnForward'] },
    generate: drawStacked(1, false),
    forward: (lab, i: Inputs) => {
      const layers = layersOf(i);
      return depthGap(i.x, i.h0, undefined, lab.rnnStackedForward(i.x, i.h0, layers), (input, h, _c, l) => lab.rnnForward(input, h, layers[l]), {
        stacked: 'rnnStackedForward',
        layer: 'rnnForward',
      });
    },
  },
  gru_stacked_unroll: {
    uses: { forward: ['gruStackedForward', 'gruForward'] },
    generate: drawStacked(3, false),
    forward: (lab, i: Inputs) => {
      const layers = layersOf(i);
      return depthGap(i.x, i.h0, undefined, lab.gruStackedForward(i.x, i.h0, layers), (input, h, _c, l) => lab.gruForward(input, h, layers[l]), {
        stacked: 'gruStackedForward',
        layer: 'gruForward',
      });
    },
  },
  lstm_stacked_unroll: {
    uses: { forward: ['lstmStackedForward', 'lstmForward'] },
    generate: drawStacked(4, true),
    forward: (lab, i: Inputs) => {
      const layers = layersOf(i);
      return depthGap(i.x, i.h0, i.c0, lab.lstmStackedForward(i.x, i.h0, i.c0, layers), (input, h, c, l) => lab.lstmForward(input, h, c!, layers[l]), {
        stacked: 'lstmStackedForward',
        layer: 'lstmForward',
      });
    },
  },

  bce_with_logits: {
    uses: { forward: ['bceForward'], backward: ['bceForward', 'bceBackward'] },
    inputs: { logits: { shape: ['N'], scale: 2 }, labels: { shape: ['N'], dtype: 'int', range: [0, 2] } },
    upstream: ['loss'],
    forward: (lab, i) => ({ loss: lab.bceForward(i.logits, i.labels).loss }),
    backward: (lab, i, _p, up) => ({ logits: lab.bceBackward(scalarOf(up.loss), lab.bceForward(i.logits, i.labels).cache) }),
  },
  seq2vec_bce: {
    uses: { forward: ['seq2vecForward', 'bceForward'], backward: ['seq2vecForward', 'seq2vecBackward', 'bceForward', 'bceBackward'] },
    inputs: { ...sequenceInputs(3, false), W_fc: { shape: [1, 'H'], scale: 0.5 }, b_fc: { shape: [1], scale: 0.5 }, labels: { shape: ['N'], dtype: 'int', range: [0, 2] } },
    upstream: ['loss'],
    forward: (lab, i) => {
      const { logits } = lab.seq2vecForward(i.x, i.h0, seq2vecParamsOf(i));
      return { logits, loss: lab.bceForward(logits, i.labels).loss };
    },
    backward: (lab, i, p: Params, up) => {
      const f = lab.seq2vecForward(i.x, i.h0, seq2vecParamsOf(i));
      const dlogits = lab.bceBackward(scalarOf(up.loss), lab.bceForward(f.logits, i.labels).cache);
      const g = lab.seq2vecBackward(dlogits, f.cache);
      return selected(p, { x: g.dx, h0: g.dh0, ...weightGrads(g), W_fc: g.dW_fc, b_fc: g.db_fc });
    },
  },
  seq2vec_task: {
    uses: { forward: ['trainSeq2Vec', 'seq2vecForward'] },
    // one held-out sequence per case, from the case's seed; its label stays with the grader
    generate: (rng, p) => {
      const { x } = spikeSequences(rng, 1, Number(p.T));
      return { x: { shape: [...x.shape], data: x.data } };
    },
    forward: (lab, i: Inputs, p: TaskParams) => {
      const params = trainedClassifier(lab, p);
      const { logits } = lab.seq2vecForward(i.x, zerosOf([1, p.hidden]), params);
      const z = expectShape(logits, [1], 'logits from seq2vecForward').data[0];
      return { prediction: Number.isFinite(z) ? (z > 0 ? 1 : 0) : z };
    },
  },
};
