/**
 * Deep (stacked) recurrent networks, PyTorch's nn.RNN, nn.GRU and nn.LSTM with num_layers = L
 * (batch first): the reference solution.
 *
 *     layer 0 reads x,  layer l > 0 reads hs^(l-1), the hidden states of the layer below
 *     hs    = hs^(L-1)                 the top layer's states, [N, T, H]
 *     hT[l] = hs^(l)[:, T-1]           every layer's last state, [L, N, H] (and cT for the LSTM)
 *
 * Each layer is a whole recurrent layer of Parts 1-3, with its own weights and its own initial
 * state h0[l]. The backward goes through depth from the top layer down: the gradient on layer
 * l's states is the dx that layer l+1's backward returns (dhs for the top layer), plus dhT[l]
 * at the last step; inside a layer it is backpropagation through time as before.
 *
 * Shapes: x: [N, T, D], h0, c0: [L, N, H]; layer l's weights W_ih: [G*H, D] for l = 0 and
 * [G*H, H] above, W_hh: [G*H, H], b_ih, b_hh: [G*H].
 */
import { Tensor, clone } from '../common';
import { CellGrads, CellParams, add, layerOf, setTimeStep, stackLayers, timeStep } from './provided/blocks';
import { GruCache, gruBackward, gruForward } from './gru';
import { LstmCache, lstmBackward, lstmForward } from './lstm';
import { RnnCache, rnnBackward, rnnForward } from './rnn';

/** The weight gradients of a sequence backward's result. */
function weightGradsOf(g: CellGrads): CellGrads {
  return { dW_ih: g.dW_ih, dW_hh: g.dW_hh, db_ih: g.db_ih, db_hh: g.db_hh };
}

/** dStates with dLast added at the last time step: the gradient on a layer's states when its last state is also an output. */
function withLastStep(dStates: Tensor, dLast: Tensor): Tensor {
  const T = dStates.shape[1];
  const d = clone(dStates);
  setTimeStep(d, T - 1, add(timeStep(d, T - 1), dLast));
  return d;
}

// ----- the RNN and the GRU: one state per layer ------------------------------------------------

/** A recurrent layer with one state over a whole sequence: Part 1's or Part 3's sequence functions. */
interface OneStateLayer<C> {
  forward(x: Tensor, h0: Tensor, params: CellParams): { hs: Tensor; cache: C };
  backward(dhs: Tensor, cache: C): CellGrads & { dx: Tensor; dh0: Tensor };
}

// layer l reads the states of layer l-1 (x for layer 0), from its own h0[l]
function stackedForward<C>(layer: OneStateLayer<C>, x: Tensor, h0: Tensor, layers: CellParams[]): { hs: Tensor; hT: Tensor; cache: { layers: C[] } } {
  const T = x.shape[1];
  const caches: C[] = [];
  const last: Tensor[] = [];
  let input = x;
  for (let l = 0; l < layers.length; l++) {
    const { hs, cache } = layer.forward(input, layerOf(h0, l), layers[l]);
    caches.push(cache);
    last.push(timeStep(hs, T - 1));
    input = hs;
  }
  return { hs: input, hT: stackLayers(last), cache: { layers: caches } };
}

// from the top layer down: layer l's states get dhT[l] at the last step plus what layer l+1 sent back (its dx)
function stackedBackward<C>(layer: OneStateLayer<C>, dhs: Tensor, dhT: Tensor, cache: { layers: C[] }): { dx: Tensor; dh0: Tensor; layers: CellGrads[] } {
  const L = cache.layers.length;
  const grads = new Array<CellGrads>(L);
  const dh0 = new Array<Tensor>(L);
  let dStates = dhs;
  for (let l = L - 1; l >= 0; l--) {
    const g = layer.backward(withLastStep(dStates, layerOf(dhT, l)), cache.layers[l]);
    grads[l] = weightGradsOf(g);
    dh0[l] = g.dh0;
    dStates = g.dx;
  }
  return { dx: dStates, dh0: stackLayers(dh0), layers: grads };
}

const RNN: OneStateLayer<RnnCache> = { forward: rnnForward, backward: rnnBackward };
const GRU: OneStateLayer<GruCache> = { forward: gruForward, backward: gruBackward };

/** What the stacked forward keeps for its backward: every layer's sequence cache, layer 0 first. */
export interface RnnStackedCache {
  layers: RnnCache[];
}

/** x: [N, T, D] and h0: [L, N, H] give the top layer's states hs: [N, T, H] and every layer's last state hT: [L, N, H]. */
export function rnnStackedForward(x: Tensor, h0: Tensor, layers: CellParams[]): { hs: Tensor; hT: Tensor; cache: RnnStackedCache } {
  return stackedForward(RNN, x, h0, layers);
}

/** dhs: [N, T, H] (on the top layer's states) and dhT: [L, N, H] give dx, dh0: [L, N, H] and every layer's weight gradients, layer 0 first. */
export function rnnStackedBackward(dhs: Tensor, dhT: Tensor, cache: RnnStackedCache): { dx: Tensor; dh0: Tensor; layers: CellGrads[] } {
  return stackedBackward(RNN, dhs, dhT, cache);
}

/** What the stacked forward keeps for its backward: every layer's sequence cache, layer 0 first. */
export interface GruStackedCache {
  layers: GruCache[];
}

/** As rnnStackedForward, with GRU layers. */
export function gruStackedForward(x: Tensor, h0: Tensor, layers: CellParams[]): { hs: Tensor; hT: Tensor; cache: GruStackedCache } {
  return stackedForward(GRU, x, h0, layers);
}

/** As rnnStackedBackward, with GRU layers. */
export function gruStackedBackward(dhs: Tensor, dhT: Tensor, cache: GruStackedCache): { dx: Tensor; dh0: Tensor; layers: CellGrads[] } {
  return stackedBackward(GRU, dhs, dhT, cache);
}

// ----- the LSTM: two states per layer ----------------------------------------------------------

/** What the stacked forward keeps for its backward: every layer's sequence cache, layer 0 first. */
export interface LstmStackedCache {
  layers: LstmCache[];
}

/**
 * x: [N, T, D], h0 and c0: [L, N, H] give the top layer's states hs: [N, T, H], every layer's
 * last hidden state hT and last cell state cT: [L, N, H].
 */
// layer l runs from (h0[l], c0[l]) over the states of layer l-1; only h goes up to the next layer
export function lstmStackedForward(x: Tensor, h0: Tensor, c0: Tensor, layers: CellParams[]): { hs: Tensor; hT: Tensor; cT: Tensor; cache: LstmStackedCache } {
  const T = x.shape[1];
  const caches: LstmCache[] = [];
  const lastH: Tensor[] = [];
  const lastC: Tensor[] = [];
  let input = x;
  for (let l = 0; l < layers.length; l++) {
    const { hs, cT, cache } = lstmForward(input, layerOf(h0, l), layerOf(c0, l), layers[l]);
    caches.push(cache);
    lastH.push(timeStep(hs, T - 1));
    lastC.push(cT);
    input = hs;
  }
  return { hs: input, hT: stackLayers(lastH), cT: stackLayers(lastC), cache: { layers: caches } };
}

/**
 * dhs: [N, T, H], dhT and dcT: [L, N, H] give dx, dh0, dc0: [L, N, H] and every layer's weight
 * gradients, layer 0 first.
 */
// as for one state; dcT[l] goes straight into layer l's backward (the cell state does not go up)
export function lstmStackedBackward(dhs: Tensor, dhT: Tensor, dcT: Tensor, cache: LstmStackedCache): { dx: Tensor; dh0: Tensor; dc0: Tensor; layers: CellGrads[] } {
  const L = cache.layers.length;
  const grads = new Array<CellGrads>(L);
  const dh0 = new Array<Tensor>(L);
  const dc0 = new Array<Tensor>(L);
  let dStates = dhs;
  for (let l = L - 1; l >= 0; l--) {
    const g = lstmBackward(withLastStep(dStates, layerOf(dhT, l)), layerOf(dcT, l), cache.layers[l]);
    grads[l] = weightGradsOf(g);
    dh0[l] = g.dh0;
    dc0[l] = g.dc0;
    dStates = g.dx;
  }
  return { dx: dStates, dh0: stackLayers(dh0), dc0: stackLayers(dc0), layers: grads };
}
