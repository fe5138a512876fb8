/**
 * Lab: recurrent networks. Part 3, the GRU layer (PyTorch's nn.GRU, batch first):
 *
 *     gi = x_t W_ih^T + b_ih,  gh = h_{t-1} W_hh^T + b_hh      [N, 3H], gate blocks r, z, n (in that order)
 *     r = sigmoid(gi_r + gh_r)                                 reset gate
 *     z = sigmoid(gi_z + gh_z)                                 update gate
 *     n = tanh(gi_n + r * gh_n)                                candidate: r multiplies W_hn h + b_hn, after the matmul
 *     h_t = (1 - z) * n + z * h_{t-1}
 *
 * Shapes: x: [N, T, D], h: [N, H], W_ih: [3H, D], W_hh: [3H, H], b_ih, b_hh: [3H].
 * Return new tensors: never change an input in place.
 */
import { Tensor, notImplemented } from '../common';
import { CellGrads, CellParams } from './provided/blocks';

// ----- one time step -------------------------------------------------------------------------

/** What one step's forward keeps for its backward: you decide (e.g. x, h, r, z, n and gh_n). */
export interface GruStepCache {
  // TODO: the fields your gruStepBackward needs
}

/** x: [N, D] and h: [N, H] give hNext: [N, H]. */
// r = sigmoid(gi_r + gh_r); z = sigmoid(gi_z + gh_z); n = tanh(gi_n + r * gh_n); h_next = (1 - z) * n + z * h
export function gruStepForward(x: Tensor, h: Tensor, params: CellParams): { hNext: Tensor; cache: GruStepCache } {
  // TODO
  return notImplemented('gruStepForward');
}

/** dhNext = dL/dh_next: [N, H] gives dx: [N, D], dh: [N, H] and this step's weight gradients. */
export function gruStepBackward(dhNext: Tensor, cache: GruStepCache): CellGrads & { dx: Tensor; dh: Tensor } {
  // TODO
  return notImplemented('gruStepBackward');
}

// ----- a whole sequence ------------------------------------------------------------------------

/** What the sequence forward keeps for backpropagation through time. */
export interface GruCache {
  // TODO: the fields your gruBackward needs
}

/** x: [N, T, D] and h0: [N, H] give every hidden state, hs: [N, T, H]. Call gruStepForward for t = 0 .. T-1. */
export function gruForward(x: Tensor, h0: Tensor, params: CellParams): { hs: Tensor; cache: GruCache } {
  // TODO
  return notImplemented('gruForward');
}

/**
 * Backpropagation through time. dhs: [N, T, H] is the upstream gradient on every hidden state
 * (zero except at t = T-1 for sequence to vector). Gives dx: [N, T, D], dh0: [N, H] and the
 * weight gradients of the whole sequence.
 */
export function gruBackward(dhs: Tensor, cache: GruCache): CellGrads & { dx: Tensor; dh0: Tensor } {
  // TODO
  return notImplemented('gruBackward');
}
