/**
 * Given code for Part 5 (not graded, no need to change it): the GRU cell of the lecture, as
 * PyTorch's nn.GRUCell, forward and backward, and the translator's encoder, a GRU run over a
 * padded batch of source sentences. Your decoder step uses the cell; the encoder gives your
 * attention its keys and values.
 *
 *     gi = x W_ih^T + b_ih,  gh = h W_hh^T + b_hh       [N, 3H], gate blocks r, z, n in that order
 *     r = sigmoid(gi_r + gh_r)                          reset gate
 *     z = sigmoid(gi_z + gh_z)                          update gate
 *     n = tanh(gi_n + r * gh_n)                         candidate
 *     h_next = (1 - z) * n + z * h
 *
 * Shapes: x: [N, D], h: [N, H], W_ih: [3H, D], W_hh: [3H, H], b_ih, b_hh: [3H].
 */
import { IntTensor, Tensor, zeros } from '../../common';

/** A GRU cell's parameters, or their gradients (same names, same shapes). */
export interface GruParams {
  W_ih: Tensor;
  W_hh: Tensor;
  b_ih: Tensor;
  b_hh: Tensor;
}

/** What the cell's forward keeps for its backward. */
export interface GruCellCache {
  x: Tensor;
  h: Tensor;
  /** The gates r, z and the candidate n: [N, H] each. */
  r: Float64Array;
  z: Float64Array;
  n: Float64Array;
  /** W_hn h + b_hn, the part of gh the reset gate multiplies: [N, H]. */
  ghN: Float64Array;
  p: GruParams;
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** y[r, o] = b[o] + sum_i x[r, i] W[o, i]: x: [M, in], W: [out, in] -> [M, out]. */
function linearRows(x: Tensor, W: Tensor, b: Tensor): Float64Array {
  const [M, K] = x.shape;
  const O = W.shape[0];
  if (W.shape[1] !== K) throw new Error(`GRU cell: the input has ${K} features but the weight [${W.shape.join(', ')}] expects ${W.shape[1]}`);
  const [xs, w] = [x.data, W.data];
  const y = new Float64Array(M * O);
  for (let m = 0; m < M; m++) {
    for (let o = 0; o < O; o++) {
      let acc = b.data[o];
      for (let k = 0; k < K; k++) acc += xs[m * K + k] * w[o * K + k];
      y[m * O + o] = acc;
    }
  }
  return y;
}

/** x: [N, D] and h: [N, H] give h_next: [N, H] (and the cache for the backward). */
export function gruCellForward(x: Tensor, h: Tensor, p: GruParams): { hNext: Tensor; cache: GruCellCache } {
  const [N, H] = h.shape;
  const gi = linearRows(x, p.W_ih, p.b_ih);
  const gh = linearRows(h, p.W_hh, p.b_hh);
  const r = new Float64Array(N * H);
  const z = new Float64Array(N * H);
  const n = new Float64Array(N * H);
  const ghN = new Float64Array(N * H);
  const hNext = zeros([N, H]);
  for (let b = 0; b < N; b++) {
    for (let j = 0; j < H; j++) {
      const at = b * H + j;
      const row = b * 3 * H;
      r[at] = sigmoid(gi[row + j] + gh[row + j]);
      z[at] = sigmoid(gi[row + H + j] + gh[row + H + j]);
      ghN[at] = gh[row + 2 * H + j];
      n[at] = Math.tanh(gi[row + 2 * H + j] + r[at] * ghN[at]);
      hNext.data[at] = (1 - z[at]) * n[at] + z[at] * h.data[at];
    }
  }
  return { hNext, cache: { x, h, r, z, n, ghN, p } };
}

/** dhNext: [N, H] gives dx: [N, D], dh: [N, H] and the parameters' gradients. */
export function gruCellBackward(dhNext: Tensor, cache: GruCellCache): { dx: Tensor; dh: Tensor; grads: GruParams } {
  const { x, h, r, z, n, ghN, p } = cache;
  const [N, H] = h.shape;
  const D = x.shape[1];
  // dgi and dgh: the gradients of the two linear layers' outputs, gate blocks r, z, n
  const dgi = new Float64Array(N * 3 * H);
  const dgh = new Float64Array(N * 3 * H);
  const dh = zeros([N, H]);
  for (let b = 0; b < N; b++) {
    for (let j = 0; j < H; j++) {
      const at = b * H + j;
      const row = b * 3 * H;
      const g = dhNext.data[at];
      dh.data[at] = g * z[at]; // h_next = ... + z * h
      const dnPre = g * (1 - z[at]) * (1 - n[at] * n[at]);
      const dzPre = g * (h.data[at] - n[at]) * z[at] * (1 - z[at]);
      const drPre = dnPre * ghN[at] * r[at] * (1 - r[at]);
      dgi[row + j] = drPre;
      dgi[row + H + j] = dzPre;
      dgi[row + 2 * H + j] = dnPre;
      dgh[row + j] = drPre;
      dgh[row + H + j] = dzPre;
      dgh[row + 2 * H + j] = dnPre * r[at]; // the reset gate scales W_hn h + b_hn
    }
  }
  // gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh: two linear layers
  const dx = zeros([N, D]);
  const grads: GruParams = { W_ih: zeros(p.W_ih.shape), W_hh: zeros(p.W_hh.shape), b_ih: zeros(p.b_ih.shape), b_hh: zeros(p.b_hh.shape) };
  const [Wih, Whh, dWih, dWhh, xs, hs, dxs, dhs] = [p.W_ih.data, p.W_hh.data, grads.W_ih.data, grads.W_hh.data, x.data, h.data, dx.data, dh.data];
  for (let b = 0; b < N; b++) {
    for (let o = 0; o < 3 * H; o++) {
      const gi = dgi[b * 3 * H + o];
      const gh = dgh[b * 3 * H + o];
      grads.b_ih.data[o] += gi;
      grads.b_hh.data[o] += gh;
      for (let k = 0; k < D; k++) {
        dxs[b * D + k] += gi * Wih[o * D + k];
        dWih[o * D + k] += gi * xs[b * D + k];
      }
      for (let k = 0; k < H; k++) {
        dhs[b * H + k] += gh * Whh[o * H + k];
        dWhh[o * H + k] += gh * hs[b * H + k];
      }
    }
  }
  return { dx, dh, grads };
}

// ----- the encoder ---------------------------------------------------------------------------------

/** The encoder's parameters, or their gradients: an embedding of the source characters and a GRU. */
export interface EncoderParams extends GruParams {
  /** [V_src, E_src] */
  emb: Tensor;
}

/** What the encoder's forward keeps for its backward. */
export interface EncoderCache {
  src: IntTensor;
  lengths: number[];
  steps: GruCellCache[];
}

/** Row ids[b] of the table: [V, E] -> [N, E]. */
function embedRows(table: Tensor, ids: IntTensor, t: number): Tensor {
  const [N, S] = ids.shape;
  const E = table.shape[1];
  const out = zeros([N, E]);
  for (let b = 0; b < N; b++) out.data.set(table.data.subarray(ids.data[b * S + t] * E, (ids.data[b * S + t] + 1) * E), b * E);
  return out;
}

/** How many positions of each sentence are not padding (padding comes last; mask true = padding). */
export function sentenceLengths(mask: { shape: readonly number[]; data: Uint8Array }): number[] {
  const [N, S] = mask.shape;
  return Array.from({ length: N }, (_, b) => {
    let length = 0;
    while (length < S && !mask.data[b * S + length]) length++;
    if (length === 0) throw new Error(`encoder: sentence ${b} is all padding`);
    return length;
  });
}

/**
 * src: [N, S] character ids, padded at the end; mask: [N, S], true at the padding.
 * enc: [N, S, H], the GRU's state after each character (the states at padding are computed
 * but your attention must not look at them); hLast: [N, H], each sentence's state after its
 * last real character, the decoder's first state.
 */
export function encoderForward(p: EncoderParams, src: IntTensor, mask: { shape: readonly number[]; data: Uint8Array }): { enc: Tensor; hLast: Tensor; cache: EncoderCache } {
  const [N, S] = src.shape;
  const H = p.W_hh.shape[1];
  const lengths = sentenceLengths(mask);
  const enc = zeros([N, S, H]);
  const hLast = zeros([N, H]);
  const steps: GruCellCache[] = [];
  let h = zeros([N, H]);
  for (let t = 0; t < S; t++) {
    const step = gruCellForward(embedRows(p.emb, src, t), h, p);
    steps.push(step.cache);
    h = step.hNext;
    for (let b = 0; b < N; b++) {
      enc.data.set(h.data.subarray(b * H, (b + 1) * H), (b * S + t) * H);
      if (t === lengths[b] - 1) hLast.data.set(h.data.subarray(b * H, (b + 1) * H), b * H);
    }
  }
  return { enc, hLast, cache: { src, lengths, steps } };
}

/** Backpropagation through time from dEnc: [N, S, H] and dhLast: [N, H] to every encoder parameter. */
export function encoderBackward(p: EncoderParams, dEnc: Tensor, dhLast: Tensor, cache: EncoderCache): EncoderParams {
  const { src, lengths, steps } = cache;
  const [N, S] = src.shape;
  const H = p.W_hh.shape[1];
  const E = p.emb.shape[1];
  const grads: EncoderParams = { emb: zeros(p.emb.shape), W_ih: zeros(p.W_ih.shape), W_hh: zeros(p.W_hh.shape), b_ih: zeros(p.b_ih.shape), b_hh: zeros(p.b_hh.shape) };
  let dh = zeros([N, H]);
  for (let t = S - 1; t >= 0; t--) {
    // the state after step t: what flows back from step t + 1, its attention share, and h_last's
    const dState = zeros([N, H]);
    for (let b = 0; b < N; b++) {
      for (let j = 0; j < H; j++) {
        dState.data[b * H + j] = dh.data[b * H + j] + dEnc.data[(b * S + t) * H + j] + (t === lengths[b] - 1 ? dhLast.data[b * H + j] : 0);
      }
    }
    const g = gruCellBackward(dState, steps[t]);
    for (const k of ['W_ih', 'W_hh', 'b_ih', 'b_hh'] as const) {
      const [sum, step] = [grads[k].data, g.grads[k].data];
      for (let i = 0; i < sum.length; i++) sum[i] += step[i];
    }
    for (let b = 0; b < N; b++) {
      const id = src.data[b * S + t];
      for (let e = 0; e < E; e++) grads.emb.data[id * E + e] += g.dx.data[b * E + e];
    }
    dh = g.dh;
  }
  return grads;
}
