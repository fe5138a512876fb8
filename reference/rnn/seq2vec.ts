/**
 * Sequence to vector: a GRU reads a whole sequence and only its last state is classified. The
 * reference solution.
 *
 *     hs = GRU(x, h0),  h_T = hs[:, T-1]                    the last state summarises the sequence
 *     logits = h_T W_fc^T + b_fc                            [N], one score per sequence; W_fc: [1, H], b_fc: [1]
 *     loss = mean over n of BCE(logits_n, y_n)              binary cross-entropy with logits, labels y in {0, 1}
 *
 * The loss takes the logits, not probabilities: sigmoid and log are combined into one formula
 * that never overflows, as in PyTorch's BCEWithLogitsLoss.
 *
 * Shapes: x: [N, T, D], h0: [N, H], the GRU's W_ih: [3H, D], W_hh: [3H, H], b_ih, b_hh: [3H].
 */
import { IntTensor, Rng, Tensor, map, matmul, reshape, transpose, zeros } from '../common';
import { CellParams, linear, pickRows, setTimeStep, sigmoid, sumRows, timeStep } from './provided/blocks';
import { clipGradNorm } from './clip';
import { GruCache, gruBackward, gruForward } from './gru';

// ----- the loss ----------------------------------------------------------------------------------

/** What the loss keeps for its backward. */
export interface BceCache {
  logits: Tensor;
  labels: IntTensor;
}

/** logits: [N] and labels: [N] (0 or 1) give the mean binary cross-entropy with logits. */
// BCE(z, y) = -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))] = max(z, 0) - z y + log(1 + e^-|z|), which never overflows
export function bceForward(logits: Tensor, labels: IntTensor): { loss: number; cache: BceCache } {
  const N = logits.shape[0];
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const z = logits.data[n];
    const y = labels.data[n];
    loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  }
  return { loss: loss / N, cache: { logits, labels } };
}

/** dloss = dL/dloss (a number) gives dlogits: [N]. */
// dBCE/dz = sigmoid(z) - y, and the mean divides by N
export function bceBackward(dloss: number, cache: BceCache): Tensor {
  const N = cache.logits.shape[0];
  return map(cache.logits, (z, n) => (dloss * (sigmoid(z) - cache.labels.data[n])) / N);
}

// ----- the classifier ----------------------------------------------------------------------------

/** The GRU's weights and the read-out's, W_fc: [1, H] and b_fc: [1]. */
export interface Seq2VecParams extends CellParams {
  W_fc: Tensor;
  b_fc: Tensor;
}

/** What the forward keeps for its backward. */
export interface Seq2VecCache {
  gru: GruCache;
  /** The last state h_T: [N, H]. */
  hT: Tensor;
  T: number;
  params: Seq2VecParams;
}

/** x: [N, T, D] and h0: [N, H] give one logit per sequence, logits: [N]. */
// h_T = gruForward(x, h0).hs[:, T-1]; logits = h_T W_fc^T + b_fc
export function seq2vecForward(x: Tensor, h0: Tensor, params: Seq2VecParams): { logits: Tensor; cache: Seq2VecCache } {
  const [N, T] = x.shape;
  const { hs, cache } = gruForward(x, h0, params);
  const hT = timeStep(hs, T - 1);
  const logits = reshape(linear(hT, params.W_fc, params.b_fc), [N]);
  return { logits, cache: { gru: cache, hT, T, params } };
}

/**
 * dlogits: [N] gives dx: [N, T, D], dh0: [N, H], the GRU's weight gradients and the read-out's,
 * dW_fc: [1, H] and db_fc: [1].
 */
// the read-out is a linear layer; only h_T reaches it, so dhs is zero except dhs[:, T-1] = dlogits W_fc
export function seq2vecBackward(dlogits: Tensor, cache: Seq2VecCache): { dx: Tensor; dh0: Tensor; dW_ih: Tensor; dW_hh: Tensor; db_ih: Tensor; db_hh: Tensor; dW_fc: Tensor; db_fc: Tensor } {
  const [N, H] = cache.hT.shape;
  const dz = reshape(dlogits, [N, 1]);
  const dhs = zeros([N, cache.T, H]);
  setTimeStep(dhs, cache.T - 1, matmul(dz, cache.params.W_fc));
  const g = gruBackward(dhs, cache.gru);
  return { dx: g.dx, dh0: g.dh0, dW_ih: g.dW_ih, dW_hh: g.dW_hh, db_ih: g.db_ih, db_hh: g.db_hh, dW_fc: matmul(transpose(dz), cache.hT), db_fc: sumRows(dz) };
}

// ----- training ----------------------------------------------------------------------------------

export interface Seq2VecOptions {
  /** H, the size of the GRU's state. */
  hidden: number;
  /** N, the sequences in one minibatch. */
  batch: number;
  /** Number of SGD steps. */
  steps: number;
  /** SGD learning rate. */
  lr: number;
  /** Gradients are clipped to this global norm before each step. */
  maxNorm: number;
  /** Seed of the Rng for the initial weights and the minibatches. */
  seed: number;
}

export interface Seq2VecTrained {
  /** The trained weights. */
  params: Seq2VecParams;
  /** The training loss of every SGD step, before that step's update. */
  losses: number[];
}

/** Uniform in [-k, k], like PyTorch's initialisation of nn.GRU and nn.Linear. */
function uniformTensor(rng: Rng, shape: number[], k: number): Tensor {
  const t = zeros(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = k * (2 * rng.uniform() - 1);
  return t;
}

/** The weights in the order they are drawn, updated and clipped. */
function weightsOf(p: Seq2VecParams): Tensor[] {
  return [p.W_ih, p.W_hh, p.b_ih, p.b_hh, p.W_fc, p.b_fc];
}

/**
 * x: [N, T, D] and labels: [N] (0 or 1), the training set. Trains a GRU classifier with
 * minibatch SGD on the mean BCE and returns its weights and the training losses.
 *
 * The Rng(seed) draws, in this order: the initial weights (W_ih, W_hh, b_ih, b_hh, W_fc, b_fc,
 * each in row-major order, uniform in [-k, k] with k = 1 / sqrt(H)), then for each SGD step
 * the `batch` sequences of its minibatch, rng.int(N) each.
 */
export function trainSeq2Vec(x: Tensor, labels: IntTensor, options: Seq2VecOptions): Seq2VecTrained {
  const rng = new Rng(options.seed);
  const [N, , D] = x.shape;
  const H = options.hidden;
  const k = 1 / Math.sqrt(H);
  const params: Seq2VecParams = {
    W_ih: uniformTensor(rng, [3 * H, D], k),
    W_hh: uniformTensor(rng, [3 * H, H], k),
    b_ih: uniformTensor(rng, [3 * H], k),
    b_hh: uniformTensor(rng, [3 * H], k),
    W_fc: uniformTensor(rng, [1, H], k),
    b_fc: uniformTensor(rng, [1], k),
  };
  const losses: number[] = [];
  for (let step = 0; step < options.steps; step++) {
    const picked = Array.from({ length: options.batch }, () => rng.int(N));
    const xb = pickRows(x, picked);
    const { logits, cache } = seq2vecForward(xb, zeros([options.batch, H]), params);
    const bce = bceForward(logits, pickRows(labels, picked));
    losses.push(bce.loss);
    const g = seq2vecBackward(bceBackward(1, bce.cache), cache);
    // w <- w - lr * (the gradient, clipped to maxNorm)
    const clipped = clipGradNorm([g.dW_ih, g.dW_hh, g.db_ih, g.db_hh, g.dW_fc, g.db_fc], options.maxNorm).grads;
    weightsOf(params).forEach((w, i) => {
      for (let j = 0; j < w.data.length; j++) w.data[j] -= options.lr * clipped[i].data[j];
    });
  }
  return { params, losses };
}
