/**
 * The LSTM layer (PyTorch's nn.LSTM, batch first): the reference solution.
 *
 *     a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh            [N, 4H], gate blocks i, f, g, o
 *     i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
 *     c_t = f * c_{t-1} + i * g                               the cell state: the long-term memory
 *     h_t = o * tanh(c_t)
 *
 * The cell state is updated by a product with f and a sum, not squashed by a matrix at every
 * step, so its gradient can travel back many steps. Backpropagation through time therefore
 * carries two gradients back to the previous step: dL/dh and dL/dc.
 *
 * Shapes: x: [N, T, D], h, c: [N, H], W_ih: [4H, D], W_hh: [4H, H], b_ih, b_hh: [4H].
 */
import { Tensor, map, matmul, transpose, zeros, zip } from '../common';
import { CellGrads, CellParams, add, gateBlock, linear, mul, setGateBlock, setTimeStep, sigmoid, sumRows, timeStep } from './provided/blocks';

/** PyTorch's order of the gate blocks in the rows of W_ih, W_hh, b_ih and b_hh: input, forget, cell (g), output. */
const I = 0;
const F = 1;
const G = 2;
const O = 3;

// ----- one time step -------------------------------------------------------------------------

/** What one step's forward keeps for its backward. */
export interface LstmStepCache {
  x: Tensor;
  h: Tensor;
  c: Tensor;
  i: Tensor;
  f: Tensor;
  g: Tensor;
  o: Tensor;
  tanhC: Tensor;
  params: CellParams;
}

/** x: [N, D], h: [N, H] and c: [N, H] give hNext and cNext: [N, H]. */
// c_next = f * c + i * g;  h_next = o * tanh(c_next)
export function lstmStepForward(x: Tensor, h: Tensor, c: Tensor, params: CellParams): { hNext: Tensor; cNext: Tensor; cache: LstmStepCache } {
  const H = h.shape[1];
  const a = add(linear(x, params.W_ih, params.b_ih), linear(h, params.W_hh, params.b_hh));
  const i = map(gateBlock(a, I, H), sigmoid);
  const f = map(gateBlock(a, F, H), sigmoid);
  const g = map(gateBlock(a, G, H), Math.tanh);
  const o = map(gateBlock(a, O, H), sigmoid);
  const cNext = add(mul(f, c), mul(i, g));
  const tanhC = map(cNext, Math.tanh);
  const hNext = mul(o, tanhC);
  return { hNext, cNext, cache: { x, h, c, i, f, g, o, tanhC, params } };
}

/**
 * dhNext = dL/dh_next and dcNext = dL/dc_next (upstream on the cell state), both [N, H], give
 * dx: [N, D], dh, dc: [N, H] and the weight gradients of this step.
 */
// dc_next reaches c_next directly and through h_next: dC = dc_next + dh_next * o * (1 - tanh(c_next)^2)
export function lstmStepBackward(dhNext: Tensor, dcNext: Tensor, cache: LstmStepCache): CellGrads & { dx: Tensor; dh: Tensor; dc: Tensor } {
  const { x, h, c, i, f, g, o, tanhC, params } = cache;
  const [N, H] = h.shape;
  const dC = add(dcNext, zip(mul(dhNext, o), tanhC, (d, t) => d * (1 - t * t)));
  // do = dh_next * tanh(c_next); di = dC * g; df = dC * c; dg = dC * i; dc = dC * f
  const dO = mul(dhNext, tanhC);
  const dI = mul(dC, g);
  const dF = mul(dC, c);
  const dG = mul(dC, i);
  // through the activations: sigmoid' = s (1 - s), tanh' = 1 - g^2
  const da = zeros([N, 4 * H]);
  setGateBlock(da, I, H, zip(dI, i, (d, s) => d * s * (1 - s)));
  setGateBlock(da, F, H, zip(dF, f, (d, s) => d * s * (1 - s)));
  setGateBlock(da, G, H, zip(dG, g, (d, t) => d * (1 - t * t)));
  setGateBlock(da, O, H, zip(dO, o, (d, s) => d * s * (1 - s)));
  // a = x W_ih^T + b_ih + h W_hh^T + b_hh, as for the RNN
  return {
    dx: matmul(da, params.W_ih),
    dh: matmul(da, params.W_hh),
    dc: mul(dC, f),
    dW_ih: matmul(transpose(da), x),
    dW_hh: matmul(transpose(da), h),
    db_ih: sumRows(da),
    db_hh: sumRows(da),
  };
}

// ----- a whole sequence ------------------------------------------------------------------------

/** What the sequence forward keeps for backpropagation through time: every step's cache. */
export interface LstmCache {
  steps: LstmStepCache[];
}

/** x: [N, T, D], h0 and c0: [N, H] give every hidden state hs: [N, T, H] and the last cell state cT: [N, H]. */
// (h_t, c_t) = step(x_t, h_{t-1}, c_{t-1}) for t = 0 .. T-1, starting from (h0, c0)
export function lstmForward(x: Tensor, h0: Tensor, c0: Tensor, params: CellParams): { hs: Tensor; cT: Tensor; cache: LstmCache } {
  const [N, T] = x.shape;
  const H = h0.shape[1];
  const hs = zeros([N, T, H]);
  const steps: LstmStepCache[] = [];
  let h = h0;
  let c = c0;
  for (let t = 0; t < T; t++) {
    const step = lstmStepForward(timeStep(x, t), h, c, params);
    setTimeStep(hs, t, step.hNext);
    steps.push(step.cache);
    h = step.hNext;
    c = step.cNext;
  }
  return { hs, cT: c, cache: { steps } };
}

/**
 * Backpropagation through time. dhs: [N, T, H] is the upstream gradient on every hidden state
 * (zero except at t = T-1 for sequence to vector) and dcT: [N, H] the one on the last cell
 * state. Gives dx: [N, T, D], dh0, dc0: [N, H] and the weight gradients summed over time.
 */
// dL/dh_t = dhs[:, t] + (from step t+1); dL/dc_t comes only from step t+1 (dcT after the last step)
export function lstmBackward(dhs: Tensor, dcT: Tensor, cache: LstmCache): CellGrads & { dx: Tensor; dh0: Tensor; dc0: Tensor } {
  const { steps } = cache;
  const [N, T, H] = dhs.shape;
  const { params } = steps[0];
  const dx = zeros([N, T, steps[0].x.shape[1]]);
  let dW_ih = zeros(params.W_ih.shape);
  let dW_hh = zeros(params.W_hh.shape);
  let db_ih = zeros(params.b_ih.shape);
  let db_hh = zeros(params.b_hh.shape);
  let dhNext = zeros([N, H]);
  let dcNext = dcT;
  for (let t = T - 1; t >= 0; t--) {
    const step = lstmStepBackward(add(timeStep(dhs, t), dhNext), dcNext, steps[t]);
    setTimeStep(dx, t, step.dx);
    dhNext = step.dh;
    dcNext = step.dc;
    dW_ih = add(dW_ih, step.dW_ih);
    dW_hh = add(dW_hh, step.dW_hh);
    db_ih = add(db_ih, step.db_ih);
    db_hh = add(db_hh, step.db_hh);
  }
  return { dx, dh0: dhNext, dc0: dcNext, dW_ih, dW_hh, db_ih, db_hh };
}
