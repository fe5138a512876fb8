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
 * - next_step: trains on the training part of a power-consumption series (the first length -
 *   heldout values; graders/rnn.inputs.ts draws it and keeps the rest); returns the training
 *   loss of every step (losses) and the trained weights (params.W_ih, ...). The grader computes
 *   the test loss of those weights (final_loss) with its own forward, on the held-out values.
 * - next_step_steps: the training procedure step by step: the same run stopped after 0, 1, ...
 *   `steps` steps; returns the initial weights (initial.W_ih, ...), each step's loss (losses)
 *   and gradient norm before clipping (grad_norms), and what each step did to each weight
 *   (update.W_ih: [steps, ...shape]). The grader adds step_norm: the norm of each step's update
 *   over all six weights, divided by lr (the norm of the gradient applied, after clipping).
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
 * A backward returns every gradient; a rubric item's `grads` says which it compares, so the
 * inputs' gradients and the weights' gradients are graded separately.
 *
 * This file runs inside the student process: no runtime imports. What runs in the grader only
 * (drawing a case's inputs, the test loss and the held-out series) is in graders/rnn.inputs.ts.
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
import { expectShape, expectTensor, minus, sameShape, scalarOf, seededRng, zeros } from './engine/kit';
import type { InputSpec, Ops } from './engine/kit';

type Lab = typeof Rnn & typeof Lstm & typeof Gru & typeof Clip & typeof Train & typeof Stacked & typeof Seq2Vec;
type Inputs = Record<string, Tensor>;
type Params = { upstream_on?: 'all' | 'last' } & Record<string, unknown>;

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

// ----- time steps ----------------------------------------------------------------------------------

/** x[:, t, :] of x: [N, T, D]. */
function timeStep(x: Tensor, t: number): Tensor {
  const [N, T, D] = x.shape;
  const out = zeros([N, D]);
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
  const dhs = zeros([N, T, H]);
  setTimeStep(dhs, T - 1, up.hT);
  return dhs;
}

/** The sequence's outputs: every state (sequence to sequence) or the last one (sequence to vector). */
function statesOut(p: Params, hs: Tensor): Record<string, Tensor> {
  return p.upstream_on === 'last' ? { hT: timeStep(hs, hs.shape[1] - 1) } : { hs };
}

function weightGrads(g: { dW_ih: Tensor; dW_hh: Tensor; db_ih: Tensor; db_hh: Tensor }) {
  return { W_ih: g.dW_ih, W_hh: g.dW_hh, b_ih: g.db_ih, b_hh: g.db_hh };
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
  const stepwise = zeros([N, T, H]);
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

// ----- stacked layers -------------------------------------------------------------------------------

/** Layer l of s: [L, N, H]. */
function layerOf(s: Tensor, l: number): Tensor {
  const [, N, H] = s.shape;
  return { shape: [N, H], data: s.data.slice(l * N * H, (l + 1) * N * H) };
}

/** [N, H] tensors, layer 0 first, as [L, N, H]. */
function stackLayers(states: Tensor[]): Tensor {
  const [N, H] = states[0].shape;
  const out = zeros([states.length, N, H]);
  states.forEach((s, l) => out.data.set(s.data, l * N * H));
  return out;
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
  const x = zeros([count, T, 1]);
  const labels: IntTensor = { shape: [count], data: new Int32Array(count) };
  for (let n = 0; n < count; n++) {
    const y = rng.int(2);
    const spikeAt = rng.int(T);
    for (let t = 0; t < T; t++) x.data[n * T + t] = y === 1 && t === spikeAt ? 2.5 + rng.uniform() : rng.uniform() - 0.5;
    labels.data[n] = y;
  }
  return { x, labels };
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

// ----- next-step prediction ------------------------------------------------------------------------

/** A next-step case's params: the series (data_seed, length, the last `heldout` values held out) and the NextStepOptions. */
export type NextStepCase = Train.NextStepOptions & { data_seed: number; length: number; heldout: number };

export const NEXT_STEP_WEIGHTS = ['W_ih', 'W_hh', 'b_ih', 'b_hh', 'W_out', 'b_out'] as const;
export type NextStepWeights = Record<(typeof NEXT_STEP_WEIGHTS)[number], Tensor>;

export function nextStepShapes(p: Pick<NextStepCase, 'cell' | 'hidden'>): Record<keyof NextStepWeights, number[]> {
  const H = p.hidden;
  const GH = (p.cell === 'lstm' ? 4 : 1) * H;
  return { W_ih: [GH, 1], W_hh: [GH, H], b_ih: [GH], b_hh: [GH], W_out: [1, H], b_out: [1] };
}

/** The student's trainNextStep on the training series, `steps` steps, its weights checked against their shapes and copied. */
function runNextStep(lab: Lab, series: Tensor, p: NextStepCase, steps: number): { losses: number[]; gradNorms: number[]; params: NextStepWeights } {
  const options: Train.NextStepOptions = { cell: p.cell, hidden: p.hidden, window: p.window, batch: p.batch, steps, lr: p.lr, maxNorm: p.maxNorm, seed: p.seed };
  const r = lab.trainNextStep(series, options);
  const shapes = nextStepShapes(p);
  const params = {} as NextStepWeights;
  for (const k of NEXT_STEP_WEIGHTS) {
    const t = expectShape(r?.params?.[k], shapes[k], `params.${k} from trainNextStep (steps: ${steps})`);
    params[k] = { shape: [...t.shape], data: Float64Array.from(t.data) };
  }
  return { losses: Array.from(r.losses ?? []), gradNorms: Array.from(r.gradNorms ?? []), params };
}

// ----- ops ------------------------------------------------------------------------------------------

export const ops: Ops<Lab> = {
  rnn_step: {
    uses: { forward: ['rnnStepForward'], backward: ['rnnStepForward', 'rnnStepBackward'] },
    inputs: stepInputs(1, false),
    forward: (lab, i: Inputs) => ({ h_next: lab.rnnStepForward(i.x, i.h, paramsOf(i)).hNext }),
    backward: (lab, i: Inputs, p: Params, up) => {
      const g = lab.rnnStepBackward(up.h_next, lab.rnnStepForward(i.x, i.h, paramsOf(i)).cache);
      return { x: g.dx, h: g.dh, ...weightGrads(g) };
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
      return { x: g.dx, h: g.dh, c: g.dc, ...weightGrads(g) };
    },
  },
  gru_step: {
    uses: { forward: ['gruStepForward'], backward: ['gruStepForward', 'gruStepBackward'] },
    inputs: stepInputs(3, false),
    forward: (lab, i: Inputs) => ({ h_next: lab.gruStepForward(i.x, i.h, paramsOf(i)).hNext }),
    backward: (lab, i: Inputs, p: Params, up) => {
      const g = lab.gruStepBackward(up.h_next, lab.gruStepForward(i.x, i.h, paramsOf(i)).cache);
      return { x: g.dx, h: g.dh, ...weightGrads(g) };
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
      return { x: g.dx, h0: g.dh0, ...weightGrads(g) };
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
      const g = lab.lstmBackward(dhs, up.cT ?? zeros([N, H]), lab.lstmForward(i.x, i.h0, i.c0, paramsOf(i)).cache);
      return { x: g.dx, h0: g.dh0, c0: g.dc0, ...weightGrads(g) };
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
      return { x: g.dx, h0: g.dh0, ...weightGrads(g) };
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
    forward: (lab, i: Inputs, p: NextStepCase) => {
      const r = runNextStep(lab, i.series, p, p.steps);
      // losses are for the handout's table (scripts/labs/rnn-task.ts); items bound final_loss
      return { losses: { shape: [r.losses.length], data: Float64Array.from(r.losses) }, params: r.params };
    },
  },
  next_step_steps: {
    uses: { forward: ['trainNextStep'] },
    // trainNextStep from the same seed for 0, 1, ... steps: the weights after s steps minus those
    // after s - 1 are what step s did. One long run would show only where training ended.
    forward: (lab, i: Inputs, p: NextStepCase) => {
      const runs = Array.from({ length: p.steps + 1 }, (_, s) => runNextStep(lab, i.series, p, s));
      const last = runs[p.steps];
      const update = {} as NextStepWeights;
      for (const k of NEXT_STEP_WEIGHTS) {
        const size = last.params[k].data.length;
        update[k] = { shape: [p.steps, ...last.params[k].shape], data: new Float64Array(p.steps * size) };
        for (let s = 1; s <= p.steps; s++) {
          for (let j = 0; j < size; j++) update[k].data[(s - 1) * size + j] = runs[s].params[k].data[j] - runs[s - 1].params[k].data[j];
        }
      }
      const series = (v: number[]) => ({ shape: [v.length], data: Float64Array.from(v) });
      return { initial: runs[0].params, losses: series(last.losses), grad_norms: series(last.gradNorms), update };
    },
  },

  rnn_stacked: {
    uses: { forward: ['rnnStackedForward'], backward: ['rnnStackedForward', 'rnnStackedBackward'] },
    forward: (lab, i: Inputs) => {
      const r = lab.rnnStackedForward(i.x, i.h0, layersOf(i));
      return { hs: r.hs, hT: r.hT };
    },
    backward: (lab, i: Inputs, p: Params, up) => {
      const g = lab.rnnStackedBackward(up.hs, up.hT, lab.rnnStackedForward(i.x, i.h0, layersOf(i)).cache);
      return { x: g.dx, h0: g.dh0, ...layerGrads(g.layers) };
    },
  },
  gru_stacked: {
    uses: { forward: ['gruStackedForward'], backward: ['gruStackedForward', 'gruStackedBackward'] },
    forward: (lab, i: Inputs) => {
      const r = lab.gruStackedForward(i.x, i.h0, layersOf(i));
      return { hs: r.hs, hT: r.hT };
    },
    backward: (lab, i: Inputs, p: Params, up) => {
      const g = lab.gruStackedBackward(up.hs, up.hT, lab.gruStackedForward(i.x, i.h0, layersOf(i)).cache);
      return { x: g.dx, h0: g.dh0, ...layerGrads(g.layers) };
    },
  },
  lstm_stacked: {
    uses: { forward: ['lstmStackedForward'], backward: ['lstmStackedForward', 'lstmStackedBackward'] },
    forward: (lab, i: Inputs) => {
      const r = lab.lstmStackedForward(i.x, i.h0, i.c0, layersOf(i));
      return { hs: r.hs, hT: r.hT, cT: r.cT };
    },
    backward: (lab, i: Inputs, p: Params, up) => {
      const g = lab.lstmStackedBackward(up.hs, up.hT, up.cT, lab.lstmStackedForward(i.x, i.h0, i.c0, layersOf(i)).cache);
      return { x: g.dx, h0: g.dh0, c0: g.dc0, ...layerGrads(g.layers) };
    },
  },

  rnn_stacked_unroll: {
    uses: { forward: ['rnnStackedForward', 'rnnForward'] },
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
      return { x: g.dx, h0: g.dh0, ...weightGrads(g), W_fc: g.dW_fc, b_fc: g.db_fc };
    },
  },
  seq2vec_task: {
    uses: { forward: ['trainSeq2Vec', 'seq2vecForward'] },
    forward: (lab, i: Inputs, p: TaskParams) => {
      const params = trainedClassifier(lab, p);
      const { logits } = lab.seq2vecForward(i.x, zeros([1, p.hidden]), params);
      const z = expectShape(logits, [1], 'logits from seq2vecForward').data[0];
      return { prediction: Number.isFinite(z) ? (z > 0 ? 1 : 0) : z };
    },
  },
};
