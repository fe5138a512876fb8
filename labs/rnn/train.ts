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
  /** The last `testLength` values of the series are held out for the test loss. */
  testLength: number;
  /** Seed of the Rng for the initial weights and the windows of each batch. */
  seed: number;
}

export interface NextStepResult {
  /** The training loss of every SGD step, before that step's update. */
  losses: number[];
  /** The mean squared error on the held-out windows after training. */
  testLoss: number;
}

/**
 * series: [L]. Trains on the series without its last `testLength` values and returns the
 * training losses and the test loss (README.md, Part 5).
 */
export function trainNextStep(series: Tensor, options: NextStepOptions): NextStepResult {
  // TODO
  return notImplemented('trainNextStep');
}
