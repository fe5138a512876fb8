/**
 * Lab: recurrent networks. Part 2, the LSTM layer (PyTorch's nn.LSTM, batch first):
 *
 *     a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh            [N, 4H], gate blocks i, f, g, o (in that order)
 *     i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
 *     c_t = f * c_{t-1} + i * g
 *     h_t = o * tanh(c_t)
 *
 * Shapes: x: [N, T, D], h, c: [N, H], W_ih: [4H, D], W_hh: [4H, H], b_ih, b_hh: [4H].
 * Gate k of a is columns k*H .. (k+1)*H: ./blocks has gateBlock and setGateBlock.
 * Return new tensors: never change an input in place.
 */
import { Tensor, notImplemented } from '../common';
import { CellGrads, CellParams } from './provided/blocks';

// ----- one time step -------------------------------------------------------------------------

/** What one step's forward keeps for its backward: you decide (e.g. x, h, c, the four gates, tanh(c_next)). */
export interface LstmStepCache {
  // TODO: the fields your lstmStepBackward needs
}

/** x: [N, D], h: [N, H] and c: [N, H] give hNext and cNext: [N, H]. */
// c_next = f * c + i * g;  h_next = o * tanh(c_next)
export function lstmStepForward(x: Tensor, h: Tensor, c: Tensor, params: CellParams): { hNext: Tensor; cNext: Tensor; cache: LstmStepCache } {
  // TODO
  return notImplemented('lstmStepForward');
}

/**
 * dhNext = dL/dh_next and dcNext = dL/dc_next, both [N, H], give dx: [N, D], dh, dc: [N, H]
 * and this step's weight gradients. Careful: c_next reaches the loss directly (dcNext) and
 * through h_next = o * tanh(c_next).
 */
export function lstmStepBackward(dhNext: Tensor, dcNext: Tensor, cache: LstmStepCache): CellGrads & { dx: Tensor; dh: Tensor; dc: Tensor } {
  // TODO
  return notImplemented('lstmStepBackward');
}

// ----- a whole sequence ------------------------------------------------------------------------

/** What the sequence forward keeps for backpropagation through time. */
export interface LstmCache {
  // TODO: the fields your lstmBackward needs
}

/**
 * x: [N, T, D], h0 and c0: [N, H] give every hidden state hs: [N, T, H] and the last cell
 * state cT: [N, H]. Call lstmStepForward for t = 0 .. T-1, starting from (h0, c0).
 */
export function lstmForward(x: Tensor, h0: Tensor, c0: Tensor, params: CellParams): { hs: Tensor; cT: Tensor; cache: LstmCache } {
  // TODO
  return notImplemented('lstmForward');
}

/**
 * Backpropagation through time. dhs: [N, T, H] is the upstream gradient on every hidden state
 * (zero except at t = T-1 for sequence to vector), dcT: [N, H] the one on the last cell state.
 * Gives dx: [N, T, D], dh0, dc0: [N, H] and the weight gradients of the whole sequence.
 */
export function lstmBackward(dhs: Tensor, dcT: Tensor, cache: LstmCache): CellGrads & { dx: Tensor; dh0: Tensor; dc0: Tensor } {
  // TODO
  return notImplemented('lstmBackward');
}
