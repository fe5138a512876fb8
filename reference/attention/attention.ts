/**
 * Attention, forward and backward: the reference solution.
 *
 * The lecture's attention: for a query, weights alpha_j = softmax_j(f_attn(key_j, query)) over
 * the keys and output sum_j alpha_j * value_j, with f_attn a scaled dot product or an additive
 * (Bahdanau) score; then multi-head self-attention as in "Attention is all you need", with
 * PyTorch's parameter layout (nn.MultiheadAttention).
 *
 * Shapes: N batch elements, T queries, S keys (and as many values), d_k query and key
 * features, d_v value features. A mask is [T, S] booleans shared by the batch, `true` (1)
 * meaning blocked, as PyTorch's attn_mask.
 */
import { BoolTensor, Tensor, map, matmul, reshape, transpose, zeros } from '../common';
import { batchItem, setBatchItem } from './provided/batch';

/** What an attention layer returns. */
export interface AttentionOutput {
  /** The attended values. */
  out: Tensor;
  /** The attention weights: for each query, a distribution over the keys. */
  weights: Tensor;
}

// ----- masks ---------------------------------------------------------------------------------

/** The causal mask [T, S]: query i must not see keys j > i (its future); true = blocked. */
export function causalMask(T: number, S: number): BoolTensor {
  const data = new Uint8Array(T * S);
  for (let i = 0; i < T; i++) for (let j = 0; j < S; j++) data[i * S + j] = j > i ? 1 : 0;
  return { shape: [T, S], data };
}

/** A query whose keys are all blocked has nothing to attend to (a softmax over no keys is 0/0): refuse it. */
function checkMask(mask: BoolTensor, T: number, S: number): void {
  if (mask.shape.length !== 2 || mask.shape[0] !== T || mask.shape[1] !== S) {
    throw new Error(`attention mask: expected shape [${T}, ${S}] (queries, keys), got [${mask.shape.join(', ')}]`);
  }
  for (let i = 0; i < T; i++) {
    let open = 0;
    for (let j = 0; j < S; j++) if (!mask.data[i * S + j]) open++;
    if (open === 0) throw new Error(`attention mask: every key is blocked for query ${i}, so it has nothing to attend to (its softmax would be 0/0 = NaN)`);
  }
}

// ----- softmax over the keys (each row of a [T, S] matrix) -----------------------------------

/** alpha_ij = e^(x_ij - m_i) / sum_k e^(x_ik - m_i), m_i = max_k x_ik. A blocked score (-Infinity) gets weight 0. */
function softmaxRows(x: Tensor): Tensor {
  const [T, S] = x.shape;
  const y = zeros([T, S]);
  for (let i = 0; i < T; i++) {
    // Subtracting the row max changes nothing mathematically and keeps exp() finite.
    let m = -Infinity;
    for (let j = 0; j < S; j++) m = Math.max(m, x.data[i * S + j]);
    let sum = 0;
    for (let j = 0; j < S; j++) sum += (y.data[i * S + j] = Math.exp(x.data[i * S + j] - m));
    for (let j = 0; j < S; j++) y.data[i * S + j] /= sum;
  }
  return y;
}

/** dx_ij = y_ij (dy_ij - sum_k dy_ik y_ik): each row's whole Jacobian diag(y) - y y^T applied to dy. */
function softmaxRowsBackward(y: Tensor, dy: Tensor): Tensor {
  const [T, S] = y.shape;
  const dx = zeros([T, S]);
  for (let i = 0; i < T; i++) {
    let dot = 0;
    for (let j = 0; j < S; j++) dot += dy.data[i * S + j] * y.data[i * S + j];
    for (let j = 0; j < S; j++) dx.data[i * S + j] = y.data[i * S + j] * (dy.data[i * S + j] - dot);
  }
  return dx;
}

// ----- scaled dot-product attention: out = softmax(Q K^T / sqrt(d_k)) V -------------------------

/** The lecture's 1/sqrt(d_k): keeps the scores' variance near 1 whatever d_k is. */
function scoreScale(dk: number): number {
  return 1 / Math.sqrt(dk);
}

/** alpha = softmax over the keys of q k^T / sqrt(d_k), blocked scores set to -Infinity. q: [T, d_k], k: [S, d_k] -> [T, S]. */
function attentionWeights(q: Tensor, k: Tensor, mask?: BoolTensor): Tensor {
  const c = scoreScale(q.shape[1]);
  const scores = map(matmul(q, transpose(k)), (s) => s * c);
  if (mask) {
    for (let i = 0; i < scores.data.length; i++) if (mask.data[i]) scores.data[i] = -Infinity;
  }
  return softmaxRows(scores);
}

/**
 * Q: [N, T, d_k], K: [N, S, d_k], V: [N, S, d_v], mask: [T, S] (true = blocked), each batch
 * element on its own -> out: [N, T, d_v], weights: [N, T, S].
 */
export function scaledDotProductForward(Q: Tensor, K: Tensor, V: Tensor, mask?: BoolTensor): AttentionOutput {
  const [N, T] = Q.shape;
  const [, S, dv] = V.shape;
  if (mask) checkMask(mask, T, S);
  const out = zeros([N, T, dv]);
  const weights = zeros([N, T, S]);
  for (let n = 0; n < N; n++) {
    const alpha = attentionWeights(batchItem(Q, n), batchItem(K, n), mask);
    setBatchItem(weights, n, alpha);
    setBatchItem(out, n, matmul(alpha, batchItem(V, n))); // out_i = sum_j alpha_ij v_j
  }
  return { out, weights };
}

/** Gradients of scaled dot-product attention, shaped like Q, K and V. */
export interface ScaledDotProductGrads {
  dQ: Tensor;
  dK: Tensor;
  dV: Tensor;
}

/**
 * dout: [N, T, d_v]. Backward through out = alpha V, alpha = softmax(scores),
 * scores = Q K^T / sqrt(d_k), one batch element at a time.
 */
export function scaledDotProductBackward(Q: Tensor, K: Tensor, V: Tensor, dout: Tensor, mask?: BoolTensor): ScaledDotProductGrads {
  const [N, T, dk] = Q.shape;
  const S = K.shape[1];
  if (mask) checkMask(mask, T, S);
  const c = scoreScale(dk);
  const dQ = zeros(Q.shape);
  const dK = zeros(K.shape);
  const dV = zeros(V.shape);
  for (let n = 0; n < N; n++) {
    const q = batchItem(Q, n);
    const k = batchItem(K, n);
    const v = batchItem(V, n);
    const g = batchItem(dout, n);
    const alpha = attentionWeights(q, k, mask);
    setBatchItem(dV, n, matmul(transpose(alpha), g)); // dV = alpha^T dout
    const dScores = softmaxRowsBackward(alpha, matmul(g, transpose(v))); // dalpha = dout V^T; 0 where blocked
    setBatchItem(dQ, n, map(matmul(dScores, k), (x) => x * c)); // dQ = dscores K / sqrt(d_k)
    setBatchItem(dK, n, map(matmul(transpose(dScores), q), (x) => x * c)); // dK = dscores^T Q / sqrt(d_k)
  }
  return { dQ, dK, dV };
}

// ----- additive (Bahdanau) attention: score_j = v . tanh(W_q q + W_k k_j) ------------------------

/** The parameters of additive attention, A hidden features. */
export interface AdditiveParams {
  /** [A, D_q] */
  W_q: Tensor;
  /** [A, D_k] */
  W_k: Tensor;
  /** [A] */
  v: Tensor;
}

/** A padding mask [N, S] must fit the keys and leave every batch element at least one key. */
function checkPaddingMask(mask: BoolTensor, N: number, S: number): void {
  if (mask.shape.length !== 2 || mask.shape[0] !== N || mask.shape[1] !== S) {
    throw new Error(`additive attention mask: expected shape [${N}, ${S}] (batch, keys), got [${mask.shape.join(', ')}]`);
  }
  for (let n = 0; n < N; n++) {
    let open = 0;
    for (let j = 0; j < S; j++) if (!mask.data[n * S + j]) open++;
    if (open === 0) throw new Error(`additive attention mask: every key of batch element ${n} is blocked, so its query has nothing to attend to`);
  }
}

/**
 * The keys' share of the pre-activations, W_k k_j for every key: keys [N, S, D_k] -> [N, S, A].
 * It does not depend on the query, so a decoder that attends to the same keys at every step
 * needs it once (see AdditiveShared).
 */
function keyFeaturesOf(keys: Tensor, W_k: Tensor): Tensor {
  const [N, S, Dk] = keys.shape;
  const A = W_k.shape[0];
  const features = zeros([N, S, A]);
  const [k, Wk, f] = [keys.data, W_k.data, features.data];
  for (let r = 0; r < N * S; r++) {
    for (let a = 0; a < A; a++) {
      let acc = 0;
      for (let i = 0; i < Dk; i++) acc += Wk[a * Dk + i] * k[r * Dk + i];
      f[r * A + a] = acc;
    }
  }
  return features;
}

/**
 * Every batch element's hidden features h_j = tanh(W_q q + W_k k_j) ([N, S, A]) and weights
 * alpha ([N, S], row n a softmax over batch element n's keys), from q: [N, D_q], the keys'
 * features W_k k_j ([N, S, A]) and the padding mask [N, S].
 */
function additiveWeights(q: Tensor, keyFeatures: Tensor, p: AdditiveParams, mask?: BoolTensor): { hidden: Tensor; alpha: Tensor } {
  const [N, S, A] = keyFeatures.shape;
  const Dq = q.shape[1];
  const [Wq, v, kf, qs] = [p.W_q.data, p.v.data, keyFeatures.data, q.data];
  const hidden = zeros([N, S, A]);
  const scores = zeros([N, S]);
  const [hid, sc] = [hidden.data, scores.data];
  const wq = new Float64Array(A);
  for (let n = 0; n < N; n++) {
    wq.fill(0);
    for (let a = 0; a < A; a++) for (let i = 0; i < Dq; i++) wq[a] += Wq[a * Dq + i] * qs[n * Dq + i]; // W_q q
    for (let j = 0; j < S; j++) {
      const row = (n * S + j) * A;
      let score = 0;
      for (let a = 0; a < A; a++) {
        const h = (hid[row + a] = Math.tanh(wq[a] + kf[row + a]));
        score += v[a] * h; // score_j = v . h_j
      }
      sc[n * S + j] = mask?.data[n * S + j] ? -Infinity : score; // padding: weight exactly 0
    }
  }
  return { hidden, alpha: softmaxRows(scores) };
}

/**
 * What the steps of one decoded sequence share, passed to additiveForward and additiveBackward
 * by a caller that attends to the same keys with the same W_k at every step: the keys' features,
 * computed at the first step that needs them. A new one for other keys or other weights.
 */
type AdditiveShared = { keyFeatures?: Tensor };

/** The keys' features: from `shared` when a step of the same sequence computed them. */
function keyFeatures(keys: Tensor, W_k: Tensor, shared?: AdditiveShared): Tensor {
  if (!shared) return keyFeaturesOf(keys, W_k);
  shared.keyFeatures ??= keyFeaturesOf(keys, W_k);
  return shared.keyFeatures;
}

/**
 * One query per batch element. q: [N, D_q], keys: [N, S, D_k], values: [N, S, D_v], mask:
 * [N, S] (true = padding, blocked) -> out: [N, D_v], weights: [N, S]. shared: what the steps of
 * one sequence share (AdditiveShared), from a decoder.
 */
export function additiveForward(q: Tensor, keys: Tensor, values: Tensor, p: AdditiveParams, mask?: BoolTensor, shared?: AdditiveShared): AttentionOutput {
  const [N, S] = keys.shape;
  const Dv = values.shape[2];
  if (mask) checkPaddingMask(mask, N, S);
  const { alpha } = additiveWeights(q, keyFeatures(keys, p.W_k, shared), p, mask);
  const out = zeros([N, Dv]);
  const val = values.data;
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < S; j++) {
      for (let d = 0; d < Dv; d++) out.data[n * Dv + d] += alpha.data[n * S + j] * val[(n * S + j) * Dv + d]; // out = sum_j alpha_j value_j
    }
  }
  return { out, weights: alpha };
}

/** Gradients of additive attention, shaped like its inputs and parameters. */
export interface AdditiveGrads {
  dq: Tensor;
  dKeys: Tensor;
  dValues: Tensor;
  dW_q: Tensor;
  dW_k: Tensor;
  dv: Tensor;
}

/**
 * dout: [N, D_v]. Backward through out = alpha V, alpha = softmax(score), score_j = v . tanh(W_q q + W_k k_j).
 * A padded key has weight 0, so the softmax backward gives its score no gradient. shared: as in
 * additiveForward.
 */
export function additiveBackward(q: Tensor, keys: Tensor, values: Tensor, p: AdditiveParams, dout: Tensor, mask?: BoolTensor, shared?: AdditiveShared): AdditiveGrads {
  const [N, S, Dk] = keys.shape;
  const Dq = q.shape[1];
  const Dv = values.shape[2];
  const A = p.v.shape[0];
  if (mask) checkPaddingMask(mask, N, S);
  const { hidden, alpha } = additiveWeights(q, keyFeatures(keys, p.W_k, shared), p, mask);
  const dq = zeros(q.shape);
  const dKeys = zeros(keys.shape);
  const dValues = zeros(values.shape);
  const dW_q = zeros(p.W_q.shape);
  const dW_k = zeros(p.W_k.shape);
  const dv = zeros([A]);

  // out = sum_j alpha_j value_j: dvalue_j = alpha_j dout, dalpha_j = dout . value_j
  const dAlpha = zeros([N, S]);
  const [val, dVal, g] = [values.data, dValues.data, dout.data];
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < S; j++) {
      for (let d = 0; d < Dv; d++) {
        dVal[(n * S + j) * Dv + d] = alpha.data[n * S + j] * g[n * Dv + d];
        dAlpha.data[n * S + j] += g[n * Dv + d] * val[(n * S + j) * Dv + d];
      }
    }
  }
  const dScores = softmaxRowsBackward(alpha, dAlpha);

  const [k, Wk, dk, dWk, hid, dsc, vs] = [keys.data, p.W_k.data, dKeys.data, dW_k.data, hidden.data, dScores.data, p.v.data];
  const du = new Float64Array(A);
  for (let n = 0; n < N; n++) {
    du.fill(0);
    for (let j = 0; j < S; j++) {
      const key = (n * S + j) * Dk;
      const row = (n * S + j) * A;
      const ds = dsc[n * S + j];
      // Four features a at a time; every sum adds its terms in the order of one at a time.
      let a = 0;
      for (; a + 3 < A; a += 4) {
        const h0 = hid[row + a];
        const h1 = hid[row + a + 1];
        const h2 = hid[row + a + 2];
        const h3 = hid[row + a + 3];
        dv.data[a] += ds * h0; // dv = sum_j dscore_j h_j
        dv.data[a + 1] += ds * h1;
        dv.data[a + 2] += ds * h2;
        dv.data[a + 3] += ds * h3;
        // dpre_j = dscore_j v * (1 - h_j^2), the gradient of the tanh's input W_q q + W_k k_j
        const d0 = ds * vs[a] * (1 - h0 * h0);
        const d1 = ds * vs[a + 1] * (1 - h1 * h1);
        const d2 = ds * vs[a + 2] * (1 - h2 * h2);
        const d3 = ds * vs[a + 3] * (1 - h3 * h3);
        const w0 = a * Dk;
        const w1 = w0 + Dk;
        const w2 = w1 + Dk;
        const w3 = w2 + Dk;
        for (let i = 0; i < Dk; i++) {
          const ki = k[key + i];
          dWk[w0 + i] += d0 * ki; // dW_k = sum_j dpre_j k_j^T
          dWk[w1 + i] += d1 * ki;
          dWk[w2 + i] += d2 * ki;
          dWk[w3 + i] += d3 * ki;
          let g = dk[key + i]; // dk_j = W_k^T dpre_j
          g += d0 * Wk[w0 + i];
          g += d1 * Wk[w1 + i];
          g += d2 * Wk[w2 + i];
          g += d3 * Wk[w3 + i];
          dk[key + i] = g;
        }
        du[a] += d0; // W_q q is added to every key's pre-activation, so its gradient sums over the keys.
        du[a + 1] += d1;
        du[a + 2] += d2;
        du[a + 3] += d3;
      }
      for (; a < A; a++) {
        const h = hid[row + a];
        dv.data[a] += ds * h;
        const dPre = ds * vs[a] * (1 - h * h);
        for (let i = 0; i < Dk; i++) {
          dWk[a * Dk + i] += dPre * k[key + i];
          dk[key + i] += dPre * Wk[a * Dk + i];
        }
        du[a] += dPre;
      }
    }
    for (let a = 0; a < A; a++) {
      for (let i = 0; i < Dq; i++) {
        dW_q.data[a * Dq + i] += du[a] * q.data[n * Dq + i]; // dW_q = du q^T
        dq.data[n * Dq + i] += du[a] * p.W_q.data[a * Dq + i]; // dq = W_q^T du
      }
    }
  }
  return { dq, dKeys, dValues, dW_q, dW_k, dv };
}

// ----- multi-head self-attention (nn.MultiheadAttention, batch_first) ---------------------------

/** PyTorch's parameters of multi-head attention with embedding size E (state_dict names in brackets). */
export interface MultiHeadParams {
  /** [in_proj_weight] [3E, E]: rows 0..E-1 project the queries, E..2E-1 the keys, 2E..3E-1 the values. */
  inProjWeight: Tensor;
  /** [in_proj_bias] [3E] */
  inProjBias: Tensor;
  /** [out_proj.weight] [E, E] */
  outProjWeight: Tensor;
  /** [out_proj.bias] [E] */
  outProjBias: Tensor;
}

/** y = x W^T + b for every row: x: [M, in], W: [out, in], b: [out] -> [M, out]. */
function linear(x: Tensor, W: Tensor, b: Tensor): Tensor {
  const y = matmul(x, transpose(W));
  const [M, C] = y.shape;
  for (let r = 0; r < M; r++) for (let o = 0; o < C; o++) y.data[r * C + o] += b.data[o];
  return y;
}

/** The sum of the rows of m: [M, C] -> [C]. A bias is added to every row, so its gradient sums over them. */
function sumRows(m: Tensor): Tensor {
  const [M, C] = m.shape;
  const s = zeros([C]);
  for (let r = 0; r < M; r++) for (let o = 0; o < C; o++) s.data[o] += m.data[r * C + o];
  return s;
}

/**
 * Columns offset .. offset+E-1 of rows: [N*T, C] (row n*T + t is position t of batch element n),
 * split into heads: [N*H, T, E/H]. Head h takes the contiguous features h*E/H .. (h+1)*E/H - 1,
 * and head h of batch element n becomes batch element n*H + h.
 */
function splitHeads(rows: Tensor, offset: number, N: number, T: number, E: number, H: number): Tensor {
  const C = rows.shape[1];
  const dh = E / H;
  const heads = zeros([N * H, T, dh]);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        for (let d = 0; d < dh; d++) heads.data[((n * H + h) * T + t) * dh + d] = rows.data[(n * T + t) * C + offset + h * dh + d];
      }
    }
  }
  return heads;
}

/** The inverse of splitHeads: writes heads: [N*H, T, E/H] into columns offset .. offset+E-1 of rows: [N*T, C]. */
function mergeHeads(heads: Tensor, rows: Tensor, offset: number, N: number, T: number, E: number, H: number): void {
  const C = rows.shape[1];
  const dh = E / H;
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        for (let d = 0; d < dh; d++) rows.data[(n * T + t) * C + offset + h * dh + d] = heads.data[((n * H + h) * T + t) * dh + d];
      }
    }
  }
}

/** The heads' queries, keys and values ([N*H, T, E/H] each) from x: [N, T, E]. */
function projectHeads(x: Tensor, p: MultiHeadParams, H: number): { Q: Tensor; K: Tensor; V: Tensor } {
  const [N, T, E] = x.shape;
  if (E % H !== 0) throw new Error(`multi-head attention: the embedding size ${E} is not divisible by ${H} heads`);
  const qkv = linear(reshape(x, [N * T, E]), p.inProjWeight, p.inProjBias); // [N*T, 3E]: q, k, v side by side
  return { Q: splitHeads(qkv, 0, N, T, E, H), K: splitHeads(qkv, E, N, T, E, H), V: splitHeads(qkv, 2 * E, N, T, E, H) };
}

/**
 * Self-attention with `numHeads` heads. x: [N, T, E], mask: [T, T] (true = blocked)
 * -> out: [N, T, E], weights: [N, H, T, T] (each head's own weights, not their average).
 */
export function multiHeadForward(x: Tensor, p: MultiHeadParams, numHeads: number, mask?: BoolTensor): AttentionOutput {
  const [N, T, E] = x.shape;
  const H = numHeads;
  const { Q, K, V } = projectHeads(x, p, H);
  const heads = scaledDotProductForward(Q, K, V, mask); // every head of every batch element at once
  const concat = zeros([N * T, E]);
  mergeHeads(heads.out, concat, 0, N, T, E, H); // concat(head_1, ..., head_H)
  const out = linear(concat, p.outProjWeight, p.outProjBias);
  return { out: reshape(out, [N, T, E]), weights: reshape(heads.weights, [N, H, T, T]) };
}

/** Gradients of multi-head attention: the input's and each parameter's. */
export interface MultiHeadGrads {
  dx: Tensor;
  dInProjWeight: Tensor;
  dInProjBias: Tensor;
  dOutProjWeight: Tensor;
  dOutProjBias: Tensor;
}

/** dout: [N, T, E]. Backward through the output projection, the heads' attention and the input projection. */
export function multiHeadBackward(x: Tensor, p: MultiHeadParams, numHeads: number, dout: Tensor, mask?: BoolTensor): MultiHeadGrads {
  const [N, T, E] = x.shape;
  const H = numHeads;
  const { Q, K, V } = projectHeads(x, p, H);
  const concat = zeros([N * T, E]);
  mergeHeads(scaledDotProductForward(Q, K, V, mask).out, concat, 0, N, T, E, H);

  // out = concat W_o^T + b_o at every (n, t)
  const dy = reshape(dout, [N * T, E]);
  const dConcat = matmul(dy, p.outProjWeight);
  const dOutProjWeight = matmul(transpose(dy), concat);
  const dOutProjBias = sumRows(dy);

  // the heads: concat is their outputs side by side
  const g = scaledDotProductBackward(Q, K, V, splitHeads(dConcat, 0, N, T, E, H), mask);
  const dqkv = zeros([N * T, 3 * E]);
  mergeHeads(g.dQ, dqkv, 0, N, T, E, H);
  mergeHeads(g.dK, dqkv, E, N, T, E, H);
  mergeHeads(g.dV, dqkv, 2 * E, N, T, E, H);

  // qkv = x W_in^T + b_in at every (n, t)
  const rows = reshape(x, [N * T, E]);
  const dx = matmul(dqkv, p.inProjWeight);
  const dInProjWeight = matmul(transpose(dqkv), rows);
  const dInProjBias = sumRows(dqkv);
  return { dx: reshape(dx, [N, T, E]), dInProjWeight, dInProjBias, dOutProjWeight, dOutProjBias };
}
