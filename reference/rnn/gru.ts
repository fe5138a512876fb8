/**
 * The GRU layer (PyTorch's nn.GRU, batch first): the reference solution.
 *
 *     gi = x_t W_ih^T + b_ih,  gh = h_{t-1} W_hh^T + b_hh      [N, 3H], gate blocks r, z, n
 *     r = sigmoid(gi_r + gh_r)                                 reset gate
 *     z = sigmoid(gi_z + gh_z)                                 update gate
 *     n = tanh(gi_n + r * gh_n)                                candidate; r multiplies W_hn h + b_hn
 *     h_t = (1 - z) * n + z * h_{t-1}                          z = 1 keeps the old state
 *
 * Like the LSTM's cell state, the z * h_{t-1} path lets the gradient reach early steps.
 *
 * Shapes: x: [N, T, D], h: [N, H], W_ih: [3H, D], W_hh: [3H, H], b_ih, b_hh: [3H].
 */
import { Tensor, map, matmul, transpose, zeros, zip } from '../common';
import { CellGrads, CellParams, add, gateBlock, linear, mul, setGateBlock, setTimeStep, sigmoid, sumRows, timeStep } from './provided/blocks';

/** PyTorch's order of the gate blocks in the rows of W_ih, W_hh, b_ih and b_hh: reset, update, new (candidate). */
const R = 0;
const Z = 1;
const NEW = 2;

// ----- one time step -------------------------------------------------------------------------

/** What one step's forward keeps for its backward. */
export interface GruStepCache {
  x: Tensor;
  h: Tensor;
  r: Tensor;
  z: Tensor;
  n: Tensor;
  /** W_hn h + b_hn, the block of gh that the reset gate multiplies. */
  ghN: Tensor;
  params: CellParams;
}

/** x: [N, D] and h: [N, H] give hNext: [N, H]. */
// r = sigmoid(gi_r + gh_r); z = sigmoid(gi_z + gh_z); n = tanh(gi_n + r * gh_n); h_next = (1 - z) * n + z * h
export function gruStepForward(x: Tensor, h: Tensor, params: CellParams): { hNext: Tensor; cache: GruStepCache } {
  const H = h.shape[1];
  const gi = linear(x, params.W_ih, params.b_ih);
  const gh = linear(h, params.W_hh, params.b_hh);
  const r = map(add(gateBlock(gi, R, H), gateBlock(gh, R, H)), sigmoid);
  const z = map(add(gateBlock(gi, Z, H), gateBlock(gh, Z, H)), sigmoid);
  const ghN = gateBlock(gh, NEW, H);
  const n = map(add(gateBlock(gi, NEW, H), mul(r, ghN)), Math.tanh);
  const hNext = add(mul(map(z, (v) => 1 - v), n), mul(z, h));
  return { hNext, cache: { x, h, r, z, n, ghN, params } };
}

/** dhNext = dL/dh_next: [N, H] gives dx: [N, D], dh: [N, H] and the weight gradients of this step. */
export function gruStepBackward(dhNext: Tensor, cache: GruStepCache): CellGrads & { dx: Tensor; dh: Tensor } {
  const { x, h, r, z, n, ghN, params } = cache;
  const [N, H] = h.shape;
  // h_next = (1 - z) * n + z * h: dn = dh_next * (1 - z), dz = dh_next * (h - n), and h's direct share dh_next * z
  const dn = zip(dhNext, z, (d, zz) => d * (1 - zz));
  const dz = zip(dhNext, zip(h, n, (hh, nn) => hh - nn), (d, diff) => d * diff);
  const dhDirect = mul(dhNext, z);
  // through tanh; the candidate's pre-activation gi_n + r * gh_n sends dn_pre to gi_n, dn_pre * r to gh_n, dn_pre * gh_n to r
  const dnPre = zip(dn, n, (d, v) => d * (1 - v * v));
  const dr = mul(dnPre, ghN);
  const drPre = zip(dr, r, (d, s) => d * s * (1 - s));
  const dzPre = zip(dz, z, (d, s) => d * s * (1 - s));
  // gi and gh get the same gradient for r and z (they are summed), but not for n
  const dgi = zeros([N, 3 * H]);
  setGateBlock(dgi, R, H, drPre);
  setGateBlock(dgi, Z, H, dzPre);
  setGateBlock(dgi, NEW, H, dnPre);
  const dgh = zeros([N, 3 * H]);
  setGateBlock(dgh, R, H, drPre);
  setGateBlock(dgh, Z, H, dzPre);
  setGateBlock(dgh, NEW, H, mul(dnPre, r));
  // gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh, two linear layers
  return {
    dx: matmul(dgi, params.W_ih),
    dh: add(dhDirect, matmul(dgh, params.W_hh)),
    dW_ih: matmul(transpose(dgi), x),
    dW_hh: matmul(transpose(dgh), h),
    db_ih: sumRows(dgi),
    db_hh: sumRows(dgh),
  };
}

// ----- a whole sequence ------------------------------------------------------------------------

/** What the sequence forward keeps for backpropagation through time: every step's cache. */
export interface GruCache {
  steps: GruStepCache[];
}

/** x: [N, T, D] and h0: [N, H] give every hidden state, hs: [N, T, H]. */
// h_t = step(x_t, h_{t-1}) for t = 0 .. T-1, starting from h0
export function gruForward(x: Tensor, h0: Tensor, params: CellParams): { hs: Tensor; cache: GruCache } {
  const [N, T] = x.shape;
  const H = h0.shape[1];
  const hs = zeros([N, T, H]);
  const steps: GruStepCache[] = [];
  let h = h0;
  for (let t = 0; t < T; t++) {
    const step = gruStepForward(timeStep(x, t), h, params);
    setTimeStep(hs, t, step.hNext);
    steps.push(step.cache);
    h = step.hNext;
  }
  return { hs, cache: { steps } };
}

/**
 * Backpropagation through time. dhs: [N, T, H] is the upstream gradient on every hidden state
 * (zero except at t = T-1 for sequence to vector). Gives dx: [N, T, D], dh0: [N, H] and the
 * weight gradients summed over time.
 */
// dL/dh_t = dhs[:, t] + (what flows back from step t+1); dW = sum over t of dW_t
export function gruBackward(dhs: Tensor, cache: GruCache): CellGrads & { dx: Tensor; dh0: Tensor } {
  const { steps } = cache;
  const [N, T, H] = dhs.shape;
  const { params } = steps[0];
  const dx = zeros([N, T, steps[0].x.shape[1]]);
  let dW_ih = zeros(params.W_ih.shape);
  let dW_hh = zeros(params.W_hh.shape);
  let db_ih = zeros(params.b_ih.shape);
  let db_hh = zeros(params.b_hh.shape);
  let dhNext = zeros([N, H]);
  for (let t = T - 1; t >= 0; t--) {
    const step = gruStepBackward(add(timeStep(dhs, t), dhNext), steps[t]);
    setTimeStep(dx, t, step.dx);
    dhNext = step.dh;
    dW_ih = add(dW_ih, step.dW_ih);
    dW_hh = add(dW_hh, step.dW_hh);
    db_ih = add(db_ih, step.db_ih);
    db_hh = add(db_hh, step.db_hh);
  }
  return { dx, dh0: dhNext, dW_ih, dW_hh, db_ih, db_hh };
}
