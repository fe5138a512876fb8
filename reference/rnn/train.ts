/**
 * A small sequence task: next-step prediction on an hourly power-consumption series, with
 * your recurrent layer, a linear read-out, the mean squared error, backpropagation through
 * time, gradient clipping and plain SGD. The reference solution.
 *
 *     x_t = series[s + t],  target y_t = series[s + t + 1]        t = 0 .. T-1, a window starting at s
 *     h_t = cell(x_t, h_{t-1}),  prediction p_t = h_t W_out^T + b_out
 *     loss = mean over the batch and the time steps of (p_t - y_t)^2
 */
import { Rng, Tensor, matmul, reshape, transpose, zeros } from '../common';
import { CellGrads, CellParams, linear, sumRows } from './provided/blocks';
import { clipGradNorm } from './clip';
import { lstmBackward, lstmForward } from './lstm';
import { rnnBackward, rnnForward } from './rnn';

export interface NextStepOptions {
  /** The recurrent layer: your RNN or your LSTM. */
  cell: 'rnn' | 'lstm';
  /** H, the size of the hidden state. */
  hidden: number;
  /** T, the time steps of one training window. */
  window: number;
  /** N, the windows in one batch. */
  batch: number;
  /** Number of SGD steps. */
  steps: number;
  /** SGD learning rate. */
  lr: number;
  /** Gradients are clipped to this global norm before each step. */
  maxNorm: number;
  /** Seed of the Rng for the initial weights and the windows of each batch. */
  seed: number;
}

/** The recurrent layer's four weights (G gate blocks: 1 for the RNN, 4 for the LSTM) and the read-out. */
export interface NextStepParams {
  W_ih: Tensor; // [G*H, 1]
  W_hh: Tensor; // [G*H, H]
  b_ih: Tensor; // [G*H]
  b_hh: Tensor; // [G*H]
  W_out: Tensor; // [1, H]
  b_out: Tensor; // [1]
}

export interface NextStepResult {
  /** The training loss of every SGD step, before that step's update. */
  losses: number[];
  /** The global norm of every step's six gradients before clipping (clipGradNorm's totalNorm). */
  gradNorms: number[];
  /** The weights after the last step (the initial weights when steps is 0). */
  params: NextStepParams;
}

/** The recurrent layer and the read-out, all trained together. */
interface Model {
  cell: CellParams;
  W_out: Tensor; // [1, H]
  b_out: Tensor; // [1]
}

/** Uniform in [-k, k], k = 1 / sqrt(H), like PyTorch's initialisation of nn.RNN, nn.LSTM and nn.Linear. */
function uniformTensor(rng: Rng, shape: number[], k: number): Tensor {
  const t = zeros(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = k * (2 * rng.uniform() - 1);
  return t;
}

/** G gate blocks (1 for the RNN, 4 for the LSTM), input size 1, hidden size H; drawn in this order. */
function initModel(rng: Rng, G: number, H: number): Model {
  const k = 1 / Math.sqrt(H);
  return {
    cell: {
      W_ih: uniformTensor(rng, [G * H, 1], k),
      W_hh: uniformTensor(rng, [G * H, H], k),
      b_ih: uniformTensor(rng, [G * H], k),
      b_hh: uniformTensor(rng, [G * H], k),
    },
    W_out: uniformTensor(rng, [1, H], k),
    b_out: uniformTensor(rng, [1], k),
  };
}

/** Windows of `values` starting at `starts`: inputs x: [N, T, 1] and next-step targets y: [N * T, 1]. */
function windows(values: Float64Array, starts: number[], T: number): { x: Tensor; y: Tensor } {
  const N = starts.length;
  const x = zeros([N, T, 1]);
  const y = zeros([N * T, 1]);
  starts.forEach((s, n) => {
    for (let t = 0; t < T; t++) {
      x.data[n * T + t] = values[s + t];
      y.data[n * T + t] = values[s + t + 1];
    }
  });
  return { x, y };
}

/** The recurrent layer over x: [N, T, 1] from zero states: hs: [N, T, H], and its backward from dhs. */
function runCell(cell: NextStepOptions['cell'], x: Tensor, params: CellParams, H: number): { hs: Tensor; backward: (dhs: Tensor) => CellGrads } {
  const N = x.shape[0];
  if (cell === 'lstm') {
    const { hs, cache } = lstmForward(x, zeros([N, H]), zeros([N, H]), params);
    return { hs, backward: (dhs) => lstmBackward(dhs, zeros([N, H]), cache) };
  }
  const { hs, cache } = rnnForward(x, zeros([N, H]), params);
  return { hs, backward: (dhs) => rnnBackward(dhs, cache) };
}

/** The model's loss on one batch, and a backward that gives every weight's gradient (in the order of weightsOf). */
function forwardLoss(options: NextStepOptions, model: Model, x: Tensor, y: Tensor): { loss: number; backward: () => Tensor[] } {
  const [N, T] = x.shape;
  const H = options.hidden;
  const run = runCell(options.cell, x, model.cell, H);
  const hFlat = reshape(run.hs, [N * T, H]);
  // p = h W_out^T + b_out; loss = mean of (p - y)^2, so dL/dp = 2 (p - y) / (N T)
  const p = linear(hFlat, model.W_out, model.b_out);
  let loss = 0;
  const dp = zeros(p.shape);
  for (let i = 0; i < p.data.length; i++) {
    const e = p.data[i] - y.data[i];
    loss += (e * e) / p.data.length;
    dp.data[i] = (2 * e) / p.data.length;
  }
  const backward = () => {
    // the read-out is a linear layer: dh = dp W_out, dW_out = dp^T h, db_out = sum of dp
    const g = run.backward(reshape(matmul(dp, model.W_out), [N, T, H]));
    return [g.dW_ih, g.dW_hh, g.db_ih, g.db_hh, matmul(transpose(dp), hFlat), sumRows(dp)];
  };
  return { loss, backward };
}

/** The weights, in the order of their gradients in forwardLoss. */
function weightsOf(model: Model): Tensor[] {
  return [model.cell.W_ih, model.cell.W_hh, model.cell.b_ih, model.cell.b_hh, model.W_out, model.b_out];
}

/**
 * series: [L], the training part of the series (the grader keeps the rest to measure your
 * model's test loss). Trains the model and returns each step's loss and gradient norm, and the
 * trained weights.
 *
 * The Rng(seed) draws, in this order: the initial weights (W_ih, W_hh, b_ih, b_hh, W_out, b_out,
 * each in row-major order), then for each SGD step the `batch` window starts, rng.int(L - T) each.
 */
export function trainNextStep(series: Tensor, options: NextStepOptions): NextStepResult {
  const rng = new Rng(options.seed);
  const T = options.window;
  const L = series.data.length;
  const model = initModel(rng, options.cell === 'lstm' ? 4 : 1, options.hidden);

  const losses: number[] = [];
  const gradNorms: number[] = [];
  for (let step = 0; step < options.steps; step++) {
    const starts = Array.from({ length: options.batch }, () => rng.int(L - T));
    const { x, y } = windows(series.data, starts, T);
    const { loss, backward } = forwardLoss(options, model, x, y);
    losses.push(loss);
    // w <- w - lr * (the gradient, clipped to maxNorm)
    const { grads: clipped, totalNorm } = clipGradNorm(backward(), options.maxNorm);
    gradNorms.push(totalNorm);
    weightsOf(model).forEach((w, k) => {
      for (let i = 0; i < w.data.length; i++) w.data[i] -= options.lr * clipped[k].data[i];
    });
  }
  return { losses, gradNorms, params: { ...model.cell, W_out: model.W_out, b_out: model.b_out } };
}
