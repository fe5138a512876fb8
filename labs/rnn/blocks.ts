/**
 * Building blocks for the recurrent cells, given to you (this file is not graded and you do
 * not need to change it): the weights' type, time steps of a sequence, gate blocks of a gate
 * tensor, the linear layer's forward, sigmoid, and elementwise sums and products. They only move numbers
 * around; every gradient in the lab is yours to derive.
 *
 * Layouts (PyTorch's, batch first): a sequence batch x is [N, T, D] and x[n, t, d] is
 * `x.data[(n * T + t) * D + d]`; a gate tensor a = x W_ih^T + ... is [N, G*H] with gate k in
 * columns k*H .. (k+1)*H (G = 4 for the LSTM, 3 for the GRU).
 */
import { Tensor, matmul, transpose, zeros, zip } from '../common';

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

