/**
 * Lab: attention, forward and backward.
 *
 * For a query, attention weights alpha_j = softmax_j(f_attn(key_j, query)) over the keys and
 * returns sum_j alpha_j * value_j. You write f_attn as a scaled dot product and as an
 * additive (Bahdanau) score, then multi-head self-attention with PyTorch's parameter layout.
 *
 * Shapes: N batch elements, T queries, S keys (and as many values), d_k query and key
 * features, d_v value features. A mask is a [T, S] BoolTensor shared by the batch, 1 (true)
 * meaning blocked, as PyTorch's attn_mask.
 *
 * A backward function gets the forward's inputs and the upstream gradient `dout` (shaped like
 * `out`) and returns the gradient of every input and parameter, each shaped like it. Only
 * `out` receives a gradient: the weights are returned for looking at, not for a loss.
 *
 * Return new tensors: never change an input in place (the grader checks).
 * Helpers you may use: ../common (tensor, zeros, map, zip, matmul, transpose, reshape, ...)
 * and ./batch (batchItem, setBatchItem: batch element n of a [N, A, B] tensor as a matrix).
 * Run `npx gradecheck grade --labs attention` to see your score; README.md explains the math.
 */
import { BoolTensor, Tensor, notImplemented } from '../common';

/** What an attention layer returns. */
export interface AttentionOutput {
  /** The attended values. */
  out: Tensor;
  /** The attention weights: for each query, a distribution over the keys. */
  weights: Tensor;
}

// ----- masks ---------------------------------------------------------------------------------

/**
 * The causal mask [T, S]: query i must not see keys j > i (its future), so element (i, j) is
 * 1 (blocked) exactly when j > i. A query always sees its own position. Return
 * `{ shape: [T, S], data: Uint8Array }`.
 */
export function causalMask(T: number, S: number): BoolTensor {
  // TODO
  return notImplemented('causalMask');
}

// ----- scaled dot-product attention: out = softmax(Q K^T / sqrt(d_k)) V -------------------------

/**
 * Q: [N, T, d_k], K: [N, S, d_k], V: [N, S, d_v], mask: [T, S] or undefined
 * -> out: [N, T, d_v], weights: [N, T, S] (each row sums to 1 over the keys).
 *
 * Scale the scores by 1/sqrt(d_k); a blocked score gets weight exactly 0 (set it to -Infinity
 * before the softmax). Must stay finite and exact when the scores are about 10^4.
 * A query whose every key is blocked has nothing to attend to: throw an Error that says so,
 * do not return NaN.
 */
export function scaledDotProductForward(Q: Tensor, K: Tensor, V: Tensor, mask?: BoolTensor): AttentionOutput {
  // TODO
  return notImplemented('scaledDotProductForward');
}

/** Gradients of scaled dot-product attention, shaped like Q, K and V. */
export interface ScaledDotProductGrads {
  dQ: Tensor;
  dK: Tensor;
  dV: Tensor;
}

/**
 * dout: [N, T, d_v] -> dQ: [N, T, d_k], dK: [N, S, d_k], dV: [N, S, d_v].
 * Hint: recompute the weights, then go back through out = alpha V, alpha = softmax(scores)
 * (the whole Jacobian of each row) and scores = Q K^T / sqrt(d_k).
 */
export function scaledDotProductBackward(Q: Tensor, K: Tensor, V: Tensor, dout: Tensor, mask?: BoolTensor): ScaledDotProductGrads {
  // TODO
  return notImplemented('scaledDotProductBackward');
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

/**
 * One query per batch element. q: [N, D_q], keys: [N, S, D_k], values: [N, S, D_v]
 * -> out: [N, D_v], weights: [N, S], with score_j = v . tanh(W_q q + W_k k_j) and
 * weights = softmax over j of the scores.
 * mask: [N, S] or undefined, true (1) at the padding of batch element n's keys (Part 5 needs
 * it): a padded key gets weight exactly 0. A batch element whose keys are all padding: throw.
 */
export function additiveForward(q: Tensor, keys: Tensor, values: Tensor, p: AdditiveParams, mask?: BoolTensor): AttentionOutput {
  // TODO
  return notImplemented('additiveForward');
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
 * dout: [N, D_v] -> the gradient of q, keys, values, W_q, W_k and v; mask as in the forward.
 * Hint: W_q q appears in every key's score, and the parameters in every batch element's:
 * their gradients are sums.
 */
export function additiveBackward(q: Tensor, keys: Tensor, values: Tensor, p: AdditiveParams, dout: Tensor, mask?: BoolTensor): AdditiveGrads {
  // TODO
  return notImplemented('additiveBackward');
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

/**
 * Self-attention with `numHeads` = H heads. x: [N, T, E], mask: [T, T] or undefined
 * -> out: [N, T, E], weights: [N, H, T, T] (each head's own weights, not their average).
 *
 * q, k, v = x W_in^T + b_in split in three (rows of in_proj_weight in that order); head h uses
 * the contiguous features h*E/H .. (h+1)*E/H - 1 of each; each head runs scaled dot-product
 * attention (scaled by 1/sqrt(E/H)); out = concat(heads) W_out^T + b_out.
 */
export function multiHeadForward(x: Tensor, p: MultiHeadParams, numHeads: number, mask?: BoolTensor): AttentionOutput {
  // TODO
  return notImplemented('multiHeadForward');
}

/** Gradients of multi-head attention: the input's and each parameter's. */
export interface MultiHeadGrads {
  dx: Tensor;
  dInProjWeight: Tensor;
  dInProjBias: Tensor;
  dOutProjWeight: Tensor;
  dOutProjBias: Tensor;
}

/**
 * dout: [N, T, E] -> the gradient of x and of every parameter, each shaped like it.
 * Hint: the projections are applied at every (n, t); your scaledDotProductBackward does the heads.
 */
export function multiHeadBackward(x: Tensor, p: MultiHeadParams, numHeads: number, dout: Tensor, mask?: BoolTensor): MultiHeadGrads {
  // TODO
  return notImplemented('multiHeadBackward');
}
