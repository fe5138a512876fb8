/**
 * Lab: recurrent networks. Part 6, deep (stacked) recurrent networks: PyTorch's nn.RNN, nn.GRU
 * and nn.LSTM with num_layers = L (batch first).
 *
 *     layer 0 reads x,  layer l > 0 reads hs^(l-1), the hidden states of the layer below
 *     hs    = hs^(L-1)                 the top layer's states, [N, T, H]
 *     hT[l] = hs^(l)[:, T-1]           every layer's last state, [L, N, H] (and cT for the LSTM)
 *
 * Each layer is a whole recurrent layer of Parts 1-3 with its own weights and its own initial
 * state h0[l]: build the stack from your rnnForward / gruForward / lstmForward and their
 * backwards (import them from './rnn', './gru', './lstm'). README.md, Part 6, explains the
 * backward through depth.
 *
 * Shapes: x: [N, T, D], h0, c0, hT, cT: [L, N, H]; layers[l] holds layer l's weights,
 * W_ih: [G*H, D] for layer 0 and [G*H, H] above, W_hh: [G*H, H], b_ih, b_hh: [G*H].
 * ./blocks has layerOf (h0[l] as [N, H]) and stackLayers (L tensors [N, H] as [L, N, H]).
 * Return new tensors: never change an input in place.
 */
import { Tensor, notImplemented } from '../common';
import { CellGrads, CellParams } from './provided/blocks';

// ----- the RNN ---------------------------------------------------------------------------------

/** What the stacked forward keeps for its backward (e.g. every layer's sequence cache). */
export interface RnnStackedCache {
  // TODO: the fields your rnnStackedBackward needs
}

/** x: [N, T, D] and h0: [L, N, H] give the top layer's states hs: [N, T, H] and every layer's last state hT: [L, N, H]. */
export function rnnStackedForward(x: Tensor, h0: Tensor, layers: CellParams[]): { hs: Tensor; hT: Tensor; cache: RnnStackedCache } {
  // TODO
  return notImplemented('rnnStackedForward');
}

/**
 * dhs: [N, T, H] (the upstream gradient on the top layer's states) and dhT: [L, N, H] (on every
 * layer's last state) give dx: [N, T, D], dh0: [L, N, H] and every layer's weight gradients,
 * layers[l] for layer l.
 */
export function rnnStackedBackward(dhs: Tensor, dhT: Tensor, cache: RnnStackedCache): { dx: Tensor; dh0: Tensor; layers: CellGrads[] } {
  // TODO
  return notImplemented('rnnStackedBackward');
}

// ----- the GRU ---------------------------------------------------------------------------------

/** What the stacked forward keeps for its backward. */
export interface GruStackedCache {
  // TODO: the fields your gruStackedBackward needs
}

/** As rnnStackedForward, with GRU layers. */
export function gruStackedForward(x: Tensor, h0: Tensor, layers: CellParams[]): { hs: Tensor; hT: Tensor; cache: GruStackedCache } {
  // TODO
  return notImplemented('gruStackedForward');
}

/** As rnnStackedBackward, with GRU layers. */
export function gruStackedBackward(dhs: Tensor, dhT: Tensor, cache: GruStackedCache): { dx: Tensor; dh0: Tensor; layers: CellGrads[] } {
  // TODO
  return notImplemented('gruStackedBackward');
}

// ----- the LSTM --------------------------------------------------------------------------------

/** What the stacked forward keeps for its backward. */
export interface LstmStackedCache {
  // TODO: the fields your lstmStackedBackward needs
}

/**
 * x: [N, T, D], h0 and c0: [L, N, H] give the top layer's states hs: [N, T, H], every layer's
 * last hidden state hT and last cell state cT: [L, N, H]. Only h goes up to the next layer.
 */
export function lstmStackedForward(x: Tensor, h0: Tensor, c0: Tensor, layers: CellParams[]): { hs: Tensor; hT: Tensor; cT: Tensor; cache: LstmStackedCache } {
  // TODO
  return notImplemented('lstmStackedForward');
}

/**
 * dhs: [N, T, H], dhT and dcT: [L, N, H] give dx: [N, T, D], dh0, dc0: [L, N, H] and every
 * layer's weight gradients, layers[l] for layer l.
 */
export function lstmStackedBackward(dhs: Tensor, dhT: Tensor, dcT: Tensor, cache: LstmStackedCache): { dx: Tensor; dh0: Tensor; dc0: Tensor; layers: CellGrads[] } {
  // TODO
  return notImplemented('lstmStackedBackward');
}
