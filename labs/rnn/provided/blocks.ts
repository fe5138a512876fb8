/**
 * Building blocks for the recurrent cells, given to you (this file is not graded and you do
 * not need to change it): the weights' type, time steps of a sequence, layers of a stacked
 * state, gate blocks of a gate tensor, the linear layer's forward, sigmoid, and elementwise
 * sums and products. They only move numbers around; every gradient in the lab is yours to
 * derive.
 *
 * Layouts (PyTorch's, batch first): a sequence batch x is [N, T, D] and x[n, t, d] is
 * `x.data[(n * T + t) * D + d]`; a gate tensor a = x W_ih^T + ... is [N, G*H] with gate k in
 * columns k*H .. (k+1)*H (G = 4 for the LSTM, 3 for the GRU); the states of a stack of L layers
 * (h0, hT, c0, cT) are [L, N, H], layer 0 first.
 */
import { IntTensor, Tensor, matmul, tensor, transpose, zeros, zip } from '../../common';

// ----- a recurrent layer's weights ---------------------------------------------------------------

/**
 * The weights of a recurrent layer, with PyTorch's names: W_ih: [G*H, D], W_hh: [G*H, H],
 * b_ih, b_hh: [G*H], where G is the number of gates (1 for the RNN, 4 for the LSTM, 3 for the GRU).
 */
export interface CellParams {
  W_ih: Tensor;
  W_hh: Tensor;
  b_ih: Tensor;
  b_hh: Tensor;
}

/** The gradients of a CellParams, each shaped like its weight. */
export interface CellGrads {
  dW_ih: Tensor;
  dW_hh: Tensor;
  db_ih: Tensor;
  db_hh: Tensor;
}

// ----- time steps of a sequence ------------------------------------------------------------

/** x[:, t, :] of x: [N, T, D], as a new [N, D] tensor. */
export function timeStep(x: Tensor, t: number): Tensor {
  const [N, T, D] = x.shape;
  const out = zeros([N, D]);
  for (let n = 0; n < N; n++) out.data.set(x.data.subarray((n * T + t) * D, (n * T + t + 1) * D), n * D);
  return out;
}

/** Writes v: [N, H] into out[:, t, :] of out: [N, T, H]. Changes `out`: use it on tensors you created. */
export function setTimeStep(out: Tensor, t: number, v: Tensor): void {
  const [N, T, H] = out.shape;
  if (v.shape[0] !== N || v.shape[1] !== H) throw new Error(`setTimeStep: cannot write [${v.shape.join(', ')}] into a time step of [${out.shape.join(', ')}]`);
  for (let n = 0; n < N; n++) out.data.set(v.data.subarray(n * H, (n + 1) * H), (n * T + t) * H);
}

// ----- layers of a stacked state ------------------------------------------------------------------

/** Layer l of s: [L, N, H] (a stacked RNN's h0, hT, c0 or cT), as a new [N, H] tensor. */
export function layerOf(s: Tensor, l: number): Tensor {
  const [L, N, H] = s.shape;
  if (s.shape.length !== 3 || l < 0 || l >= L) throw new Error(`layerOf: no layer ${l} in a state of shape [${s.shape.join(', ')}]`);
  return tensor([N, H], s.data.subarray(l * N * H, (l + 1) * N * H));
}

/** L tensors [N, H], layer 0 first, as one [L, N, H] tensor. */
export function stackLayers(states: Tensor[]): Tensor {
  if (states.length === 0) throw new Error('stackLayers: no layers');
  const [N, H] = states[0].shape;
  const out = zeros([states.length, N, H]);
  states.forEach((s, l) => {
    if (s.shape.length !== 2 || s.shape[0] !== N || s.shape[1] !== H) throw new Error(`stackLayers: layer ${l} is [${s.shape.join(', ')}], layer 0 is [${N}, ${H}]`);
    out.data.set(s.data, l * N * H);
  });
  return out;
}

// ----- minibatches -------------------------------------------------------------------------------

/**
 * Rows `indices` of t along its first dimension, in that order, as a new tensor: sequences of a
 * [N, T, D] batch, or labels of an [N] tensor (a minibatch).
 */
export function pickRows(t: Tensor, indices: readonly number[]): Tensor;
export function pickRows(t: IntTensor, indices: readonly number[]): IntTensor;
export function pickRows(t: Tensor | IntTensor, indices: readonly number[]): Tensor | IntTensor {
  const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = t.data instanceof Int32Array ? new Int32Array(indices.length * row) : new Float64Array(indices.length * row);
  indices.forEach((n, k) => {
    if (!(n >= 0 && n < t.shape[0])) throw new Error(`pickRows: no row ${n} in a tensor of shape [${t.shape.join(', ')}]`);
    data.set(t.data.subarray(n * row, (n + 1) * row), k * row);
  });
  return { shape: [indices.length, ...t.shape.slice(1)], data } as Tensor | IntTensor;
}

// ----- gate blocks ---------------------------------------------------------------------------

/** Gate k of a: [N, G*H], i.e. columns k*H .. (k+1)*H, as a new [N, H] tensor. */
export function gateBlock(a: Tensor, k: number, H: number): Tensor {
  const [N, GH] = a.shape;
  const out = zeros([N, H]);
  for (let n = 0; n < N; n++) out.data.set(a.data.subarray(n * GH + k * H, n * GH + (k + 1) * H), n * H);
  return out;
}

/** Writes v: [N, H] into gate k (columns k*H .. (k+1)*H) of out: [N, G*H]. Changes `out`. */
export function setGateBlock(out: Tensor, k: number, H: number, v: Tensor): void {
  const [N, GH] = out.shape;
  if (v.shape[0] !== N || v.shape[1] !== H) throw new Error(`setGateBlock: cannot write [${v.shape.join(', ')}] into a gate of [${out.shape.join(', ')}]`);
  for (let n = 0; n < N; n++) out.data.set(v.data.subarray(n * H, (n + 1) * H), n * GH + k * H);
}

// ----- the linear layer, forward --------------------------------------------------------------

/** y = x W^T + b, for x: [N, in], W: [out, in], b: [out]; gives [N, out]. */
export function linear(x: Tensor, W: Tensor, b: Tensor): Tensor {
  const y = matmul(x, transpose(W));
  const out = b.shape[0];
  for (let i = 0; i < y.data.length; i++) y.data[i] += b.data[i % out];
  return y;
}

// ----- elementwise ------------------------------------------------------------------------------

/** sigmoid(x) = 1 / (1 + e^-x), without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** a + b, elementwise (same shapes). */
export function add(a: Tensor, b: Tensor): Tensor {
  return zip(a, b, (x, y) => x + y);
}

/** a * b, elementwise (same shapes). */
export function mul(a: Tensor, b: Tensor): Tensor {
  return zip(a, b, (x, y) => x * y);
}

/** Sum over the batch: d: [N, H] gives [H] (what a bias gradient is). */
export function sumRows(d: Tensor): Tensor {
  const [N, H] = d.shape;
  const out = zeros([H]);
  for (let n = 0; n < N; n++) for (let j = 0; j < H; j++) out.data[j] += d.data[n * H + j];
  return out;
}

