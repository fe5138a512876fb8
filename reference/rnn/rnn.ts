/**
 * The vanilla recurrent layer (PyTorch's nn.RNN with tanh, batch first): the reference solution.
 *
 *     h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
 *
 * The same weights are used at every time step. Unrolled through time, the layer is a deep
 * network of T copies of one step, so its backward pass (backpropagation through time) runs
 * the step's backward from t = T-1 down to 0, carrying dL/dh back to the previous step, and
 * adds up the weight gradients of every step.
 *
 * Shapes: x: [N, T, D], h: [N, H], W_ih: [H, D], W_hh: [H, H], b_ih, b_hh: [H].
 */
import { Tensor, map, matmul, transpose, zeros, zip } from '../common';
import { CellGrads, CellParams, add, linear, setTimeStep, sumRows, timeStep } from './provided/blocks';

// ----- one time step -------------------------------------------------------------------------

/** What one step's forward keeps for its backward. */
export interface RnnStepCache {
  x: Tensor;
  h: Tensor;
  hNext: Tensor;
  params: CellParams;
}

/** x: [N, D] and h: [N, H] give hNext: [N, H]. */
// h_next = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)
export function rnnStepForward(x: Tensor, h: Tensor, params: CellParams): { hNext: Tensor; cache: RnnStepCache } {
  const a = add(linear(x, params.W_ih, params.b_ih), linear(h, params.W_hh, params.b_hh));
  const hNext = map(a, Math.tanh);
  return { hNext, cache: { x, h, hNext, params } };
}

/** dhNext = dL/dh_next: [N, H] gives dx: [N, D], dh: [N, H] and the weight gradients of this step. */
// da = dh_next * (1 - h_next^2); dx = da W_ih, dh = da W_hh, dW_ih = da^T x, dW_hh = da^T h, db_ih = db_hh = sum over n of da
export function rnnStepBackward(dhNext: Tensor, cache: RnnStepCache): CellGrads & { dx: Tensor; dh: Tensor } {
  const { x, h, hNext, params } = cache;
  const da = zip(dhNext, hNext, (g, y) => g * (1 - y * y));
  return {
    dx: matmul(da, params.W_ih),
    dh: matmul(da, params.W_hh),
    dW_ih: matmul(transpose(da), x),
    dW_hh: matmul(transpose(da), h),
    db_ih: sumRows(da),
    db_hh: sumRows(da),
  };
}

// ----- a whole sequence ------------------------------------------------------------------------

/** What the sequence forward keeps for backpropagation through time: every step's cache. */
export interface RnnCache {
  steps: RnnStepCache[];
}

/** x: [N, T, D] and h0: [N, H] give every hidden state, hs: [N, T, H] (hs[:, T-1] is the last). */
// h_t = step(x_t, h_{t-1}) for t = 0 .. T-1, starting from h0
export function rnnForward(x: Tensor, h0: Tensor, params: CellParams): { hs: Tensor; cache: RnnCache } {
  const [N, T] = x.shape;
  const H = h0.shape[1];
  const hs = zeros([N, T, H]);
  const steps: RnnStepCache[] = [];
  let h = h0;
  for (let t = 0; t < T; t++) {
    const step = rnnStepForward(timeStep(x, t), h, params);
    setTimeStep(hs, t, step.hNext);
    steps.push(step.cache);
    h = step.hNext;
  }
  return { hs, cache: { steps } };
}

/**
 * Backpropagation through time. dhs: [N, T, H] is the upstream gradient on every hidden state
 * (sequence to sequence); for sequence to vector it is zero except at t = T-1. Gives
 * dx: [N, T, D], dh0: [N, H] and the weight gradients summed over the time steps.
 */
// dL/dh_t = dhs[:, t] + (what flows back from step t+1); dW = sum over t of dW_t (the weights are shared)
export function rnnBackward(dhs: Tensor, cache: RnnCache): CellGrads & { dx: Tensor; dh0: Tensor } {
  const { steps } = cache;
  const [N, T, H] = dhs.shape;
  const { params } = steps[0];
  const dx = zeros([N, T, steps[0].x.shape[1]]);
  let dW_ih = zeros(params.W_ih.shape);
  let dW_hh = zeros(params.W_hh.shape);
  let db_ih = zeros(params.b_ih.shape);
  let db_hh = zeros(params.b_hh.shape);
  let dhNext = zeros([N, H]); // what flows back into h_t from step t+1: nothing after the last step
  for (let t = T - 1; t >= 0; t--) {
    const step = rnnStepBackward(add(timeStep(dhs, t), dhNext), steps[t]);
    setTimeStep(dx, t, step.dx);
    dhNext = step.dh;
    dW_ih = add(dW_ih, step.dW_ih);
    dW_hh = add(dW_hh, step.dW_hh);
    db_ih = add(db_ih, step.db_ih);
    db_hh = add(db_hh, step.db_hh);
  }
  return { dx, dh0: dhNext, dW_ih, dW_hh, db_ih, db_hh };
}
