/**
 * The grader side of the recurrent-networks ops (graders/rnn.ops.ts; see graders/engine/core/ops.ts):
 * inputs drawn with full control, and numbers computed from what the code returned. Nothing here
 * reaches the student process: the held-out part of the power-consumption series, the labels of
 * the held-out spike sequences and the forward that measures the test loss stay in the grader.
 */
import { Rng } from '../labs/common/rng';
import type { Tensor } from '../labs/common/tensor';
import type { CaseParams, GraderInputs } from './engine/core/ops';
import { expectShape } from './engine/kit';
import { NEXT_STEP_WEIGHTS, NextStepCase, NextStepWeights, nextStepShapes, spikeSequences } from './rnn.ops';

// ----- the sequence task ------------------------------------------------------------------------------

/**
 * A synthetic hourly power consumption: a morning and an evening peak every 24 hours, lower
 * weekends, and slowly varying AR(1) noise; normalised to mean 0 and standard deviation 1.
 */
export function powerConsumption(rng: Pick<Rng, 'normal'>, length: number): { shape: number[]; data: Float64Array } {
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

type SeriesPart = { shape: number[]; data: Float64Array };

/** The whole series of a next-step case, drawn from params.data_seed: the student gets `train`, the grader keeps `heldOut`. */
export function nextStepSeries(p: Pick<NextStepCase, 'data_seed' | 'length' | 'heldout'>): { train: SeriesPart; heldOut: SeriesPart } {
  for (const k of ['data_seed', 'length', 'heldout'] as const) if (!Number.isInteger(p[k])) throw new Error(`a next-step case needs params.${k} (an integer)`);
  const { data } = powerConsumption(new Rng(p.data_seed), p.length);
  const cut = p.length - p.heldout;
  return { train: { shape: [cut], data: data.slice(0, cut) }, heldOut: { shape: [p.heldout], data: data.slice(cut) } };
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * The mean squared error of next-step predictions by the weights `w` on `values` cut into
 * windows of T + 1 values starting at 0, T, 2T, ..., each from zero states, all in one batch:
 * the grader's own forward (RNN or LSTM, then the read-out), so the test loss is never the
 * student's number.
 */
export function nextStepLoss(p: Pick<NextStepCase, 'cell' | 'hidden' | 'window'>, w: NextStepWeights, values: Float64Array): number {
  const H = p.hidden;
  const T = p.window;
  const G = p.cell === 'lstm' ? 4 : 1;
  let sum = 0;
  let count = 0;
  for (let s = 0; s + T + 1 <= values.length; s += T) {
    let h = new Float64Array(H);
    const c = new Float64Array(H);
    for (let t = 0; t < T; t++) {
      // a = x W_ih^T + b_ih + h W_hh^T + b_hh; the LSTM's gate blocks are i, f, g, o
      const a = new Float64Array(G * H);
      for (let j = 0; j < G * H; j++) {
        let v = w.W_ih.data[j] * values[s + t] + w.b_ih.data[j] + w.b_hh.data[j];
        for (let k = 0; k < H; k++) v += w.W_hh.data[j * H + k] * h[k];
        a[j] = v;
      }
      const next = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        if (G === 1) next[j] = Math.tanh(a[j]);
        else {
          c[j] = sigmoid(a[H + j]) * c[j] + sigmoid(a[j]) * Math.tanh(a[2 * H + j]);
          next[j] = sigmoid(a[3 * H + j]) * Math.tanh(c[j]);
        }
      }
      h = next;
      let prediction = w.b_out.data[0];
      for (let k = 0; k < H; k++) prediction += w.W_out.data[k] * h[k];
      sum += (prediction - values[s + t + 1]) ** 2;
      count++;
    }
  }
  return sum / count;
}

/** A record of the six weights as returned (the student's word), each checked against its shape. */
function weightsIn(v: unknown, p: NextStepCase, what: string): NextStepWeights {
  const shapes = nextStepShapes(p);
  const record = (v ?? {}) as Record<string, Tensor | undefined>;
  return Object.fromEntries(NEXT_STEP_WEIGHTS.map((k) => [k, expectShape(record[k], shapes[k], `${what}.${k}`)])) as NextStepWeights;
}

/** The norm of each step's update over all six weights, divided by lr: the norm of the gradient each step applied. */
function stepNorms(update: unknown, p: NextStepCase): SeriesPart {
  const shapes = nextStepShapes(p);
  const record = (update ?? {}) as Record<string, Tensor | undefined>;
  const norms = new Float64Array(p.steps);
  for (const k of NEXT_STEP_WEIGHTS) {
    const u = expectShape(record[k], [p.steps, ...shapes[k]], `update.${k}`);
    const size = u.data.length / p.steps;
    for (let s = 0; s < p.steps; s++) for (let j = 0; j < size; j++) norms[s] += u.data[s * size + j] ** 2;
  }
  return { shape: [p.steps], data: norms.map((v) => Math.sqrt(v) / p.lr) };
}

// ----- deep (stacked) recurrent networks --------------------------------------------------------------

/** L layers' weights with G gate blocks, as inputs W_ih_l0, W_hh_l0, ...; layer 0 reads D features, the others H. */
function drawStacked(G: number, cell: boolean) {
  return (rng: Rng, p: CaseParams) => {
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

// ----- by op --------------------------------------------------------------------------------------------

const nextStepTrainingPart = (_rng: Rng, p: CaseParams) => ({ series: nextStepSeries(p as NextStepCase).train });

export const inputs: GraderInputs = {
  next_step: {
    generate: nextStepTrainingPart,
    evaluate: (outputs, _inputs, p) => ({ final_loss: nextStepLoss(p as NextStepCase, weightsIn(outputs.params, p as NextStepCase, 'params'), nextStepSeries(p as NextStepCase).heldOut.data) }),
  },
  next_step_steps: {
    generate: nextStepTrainingPart,
    evaluate: (outputs, _inputs, p) => ({ step_norm: stepNorms(outputs.update, p as NextStepCase) }),
  },
  rnn_stacked: { generate: drawStacked(1, false) },
  gru_stacked: { generate: drawStacked(3, false) },
  lstm_stacked: { generate: drawStacked(4, true) },
  rnn_stacked_unroll: { generate: drawStacked(1, false) },
  gru_stacked_unroll: { generate: drawStacked(3, false) },
  lstm_stacked_unroll: { generate: drawStacked(4, true) },
  // one held-out sequence per case, from the case's seed; its label stays with the grader
  seq2vec_task: {
    generate: (rng, p) => {
      const { x } = spikeSequences(rng, 1, Number(p.T));
      return { x: { shape: [...x.shape], data: x.data } };
    },
  },
};
