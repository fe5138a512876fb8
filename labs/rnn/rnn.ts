/**
 * Lab: recurrent networks. Part 1, the vanilla recurrent layer (PyTorch's nn.RNN with tanh,
 * batch first):
 *
 *     h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
 *
 * You write one time step, forward and backward, then a whole sequence: the forward unrolls
 * the step through time, the backward (backpropagation through time) runs the step's backward
 * from the last step to the first.
 *
 * Shapes: x: [N, T, D] (a batch of N sequences of T steps of D features), h: [N, H],
 * W_ih: [H, D], W_hh: [H, H], b_ih, b_hh: [H].
 *
 * Return new tensors: never change an input in place (the grader checks). What you may use:
 * ../common (tensor, zeros, map, zip, matmul, transpose, ...) and ./blocks (timeStep,
 * setTimeStep, linear, add, mul, sumRows, ...). README.md explains the math and the grading;
 * `npx gradecheck grade --labs rnn` shows your score.
 */
import { Tensor, notImplemented } from '../common';
import { CellGrads, CellParams } from './provided/blocks';

// ----- one time step -------------------------------------------------------------------------

/** What one step's forward keeps for its backward: you decide (e.g. x, h, hNext and the weights). */
export interface RnnStepCache {
  // TODO: the fields your rnnStepBackward needs
}

/** x: [N, D] and h: [N, H] give hNext: [N, H]. */
// h_next = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)
export function rnnStepForward(x: Tensor, h: Tensor, params: CellParams): { hNext: Tensor; cache: RnnStepCache } {
  // TODO
  return notImplemented('rnnStepForward');
}

/**
 * dhNext = dL/dh_next: [N, H] gives dx: [N, D], dh: [N, H] and this step's weight gradients
 * dW_ih: [H, D], dW_hh: [H, H], db_ih, db_hh: [H].
 */
export function rnnStepBackward(dhNext: Tensor, cache: RnnStepCache): CellGrads & { dx: Tensor; dh: Tensor } {
  // TODO
  return notImplemented('rnnStepBackward');
}

// ----- a whole sequence ------------------------------------------------------------------------

/** What the sequence forward keeps for backpropagation through time (e.g. every step's cache). */
export interface RnnCache {
  // TODO: the fields your rnnBackward needs
}

/**
 * x: [N, T, D] and h0: [N, H] give every hidden state, hs: [N, T, H] (hs[:, T-1] is the last).
 * Call rnnStepForward for t = 0 .. T-1, starting from h0.
 */
export function rnnForward(x: Tensor, h0: Tensor, params: CellParams): { hs: Tensor; cache: RnnCache } {
  // TODO
  return notImplemented('rnnForward');
}

/**
 * Backpropagation through time. dhs: [N, T, H] is the upstream gradient on every hidden state
 * (sequence to sequence); for sequence to vector it is zero except at t = T-1. Gives
 * dx: [N, T, D], dh0: [N, H] and the weight gradients of the whole sequence.
 */
export function rnnBackward(dhs: Tensor, cache: RnnCache): CellGrads & { dx: Tensor; dh0: Tensor } {
  // TODO
  return notImplemented('rnnBackward');
}
