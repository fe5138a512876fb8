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

/**
 * y[r, o] = b[o] + sum_i x[r, i] W[o, i]: x: [M, in], W: [out, in] -> [M, out]. Four outputs at a
 * time, each summed in the order i = 0, 1, ...: the same numbers as one output at a time, twice as
 * fast (the decoder's training runs this hundreds of thousands of times).
 */
function linearRows(x: Tensor, W: Tensor, b: Tensor): Float64Array {
  const [M, K] = x.shape;
  const O = W.shape[0];
  if (W.shape[1] !== K) throw new Error(`GRU cell: the input has ${K} features but the weight [${W.shape.join(', ')}] expects ${W.shape[1]}`);
  const [xs, w, bs] = [x.data, W.data, b.data];
  const y = new Float64Array(M * O);
  for (let m = 0; m < M; m++) {
    const xo = m * K;
    const yo = m * O;
    let o = 0;
    for (; o + 3 < O; o += 4) {
      const w0 = o * K;
      const w1 = w0 + K;
      const w2 = w1 + K;
      const w3 = w2 + K;
      let a0 = bs[o];
      let a1 = bs[o + 1];
      let a2 = bs[o + 2];
      let a3 = bs[o + 3];
      for (let k = 0; k < K; k++) {
        const xk = xs[xo + k];
        a0 += xk * w[w0 + k];
        a1 += xk * w[w1 + k];
        a2 += xk * w[w2 + k];
        a3 += xk * w[w3 + k];
      }
      y[yo + o] = a0;
      y[yo + o + 1] = a1;
      y[yo + o + 2] = a2;
      y[yo + o + 3] = a3;
    }
    for (; o < O; o++) {
      let acc = bs[o];
      for (let k = 0; k < K; k++) acc += xs[xo + k] * w[o * K + k];
      y[yo + o] = acc;
    }
  }
  return y;
}

/**
 * The backward of linearRows, added into dx: [M, in], dW: [out, in] and db: [out] from dy: [M,
 * out]. Four outputs at a time; every sum adds its terms in the order of the plain loops (dx over
 * the outputs, dW and db over the rows), so the numbers are theirs.
 */
function linearRowsBackward(dy: Float64Array, x: Tensor, W: Tensor, dx: Float64Array, dW: Float64Array, db: Float64Array): void {
  const [M, K] = x.shape;
  const O = W.shape[0];
  const [xs, w] = [x.data, W.data];
  for (let m = 0; m < M; m++) {
    const xo = m * K;
    const yo = m * O;
    let o = 0;
    for (; o + 3 < O; o += 4) {
      const g0 = dy[yo + o];
      const g1 = dy[yo + o + 1];
      const g2 = dy[yo + o + 2];
      const g3 = dy[yo + o + 3];
      db[o] += g0;
      db[o + 1] += g1;
      db[o + 2] += g2;
      db[o + 3] += g3;
      const w0 = o * K;
      const w1 = w0 + K;
      const w2 = w1 + K;
      const w3 = w2 + K;
      for (let k = 0; k < K; k++) {
        let d = dx[xo + k];
        d += g0 * w[w0 + k];
        d += g1 * w[w1 + k];
        d += g2 * w[w2 + k];
        d += g3 * w[w3 + k];
        dx[xo + k] = d;
        const xk = xs[xo + k];
        dW[w0 + k] += g0 * xk;
        dW[w1 + k] += g1 * xk;
        dW[w2 + k] += g2 * xk;
        dW[w3 + k] += g3 * xk;
      }
    }
    for (; o < O; o++) {
      const g = dy[yo + o];
      db[o] += g;
      for (let k = 0; k < K; k++) {
        dx[xo + k] += g * w[o * K + k];
        dW[o * K + k] += g * xs[xo + k];
      }
    }
  }
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
  linearRowsBackward(dgi, x, p.W_ih, dx.data, grads.W_ih.data, grads.b_ih.data);
  linearRowsBackward(dgh, h, p.W_hh, dh.data, grads.W_hh.data, grads.b_hh.data);
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
