/**
 * Lab: recurrent networks. Part 5, a small sequence task: next-step prediction on an hourly
 * power-consumption series, with your recurrent layer, a linear read-out, the mean squared
 * error, backpropagation through time, gradient clipping and plain SGD.
 *
 *     x_t = series[s + t],  target y_t = series[s + t + 1]        t = 0 .. T-1, a window starting at s
 *     h_t = cell(x_t, h_{t-1}),  prediction p_t = h_t W_out^T + b_out
 *     loss = mean over the batch and the time steps of (p_t - y_t)^2
 *
 * README.md ("Part 5") gives the recipe step by step.
 */
import { Tensor, notImplemented } from '../common';

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

/**
 * series: [L], the training part of the series (the grader keeps the rest to measure your
 * model's test loss). Trains the model and returns each step's loss and gradient norm, and the
 * trained weights (README.md, Part 5).
 */
export function trainNextStep(series: Tensor, options: NextStepOptions): NextStepResult {
  // TODO
  return notImplemented('trainNextStep');
}
