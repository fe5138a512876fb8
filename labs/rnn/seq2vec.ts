/**
 * Lab: recurrent networks. Part 7, sequence to vector: a GRU reads a whole sequence and only
 * its last state is classified (one binary label per sequence).
 *
 *     hs = GRU(x, h0),  h_T = hs[:, T-1]                    the last state summarises the sequence
 *     logits = h_T W_fc^T + b_fc                            [N], one score per sequence; W_fc: [1, H], b_fc: [1]
 *     loss = mean over n of BCE(logits_n, y_n)              binary cross-entropy with logits, labels y in {0, 1}
 *
 * Build it from your gruForward / gruBackward ('./gru') and train it with your clipGradNorm
 * ('./clip'). README.md, Part 7, gives the loss's stable formula and the training recipe.
 *
 * Shapes: x: [N, T, D], h0: [N, H], the GRU's W_ih: [3H, D], W_hh: [3H, H], b_ih, b_hh: [3H].
 * Return new tensors: never change an input in place.
 */
import { IntTensor, Tensor, notImplemented } from '../common';
import { CellParams } from './provided/blocks';

// ----- the loss ----------------------------------------------------------------------------------

/** What the loss keeps for its backward: you decide (e.g. the logits and the labels). */
export interface BceCache {
  // TODO: the fields your bceBackward needs
}

/** logits: [N] and labels: [N] (0 or 1) give the mean binary cross-entropy with logits (a number). */
// BCE(z, y) = -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))], written so that it never overflows
export function bceForward(logits: Tensor, labels: IntTensor): { loss: number; cache: BceCache } {
  // TODO
  return notImplemented('bceForward');
}

/** dloss = dL/dloss (a number) gives dlogits: [N]. */
export function bceBackward(dloss: number, cache: BceCache): Tensor {
  // TODO
  return notImplemented('bceBackward');
}

// ----- the classifier ----------------------------------------------------------------------------

/** The GRU's weights and the read-out's, W_fc: [1, H] and b_fc: [1]. */
export interface Seq2VecParams extends CellParams {
  W_fc: Tensor;
  b_fc: Tensor;
}

/** What the forward keeps for its backward: you decide (e.g. the GRU's cache and h_T). */
export interface Seq2VecCache {
  // TODO: the fields your seq2vecBackward needs
}

/** x: [N, T, D] and h0: [N, H] give one logit per sequence, logits: [N]. */
// h_T = gruForward(x, h0).hs[:, T-1]; logits = h_T W_fc^T + b_fc
export function seq2vecForward(x: Tensor, h0: Tensor, params: Seq2VecParams): { logits: Tensor; cache: Seq2VecCache } {
  // TODO
  return notImplemented('seq2vecForward');
}

/**
 * dlogits: [N] gives dx: [N, T, D], dh0: [N, H], the GRU's weight gradients and the read-out's,
 * dW_fc: [1, H] and db_fc: [1].
 */
export function seq2vecBackward(dlogits: Tensor, cache: Seq2VecCache): { dx: Tensor; dh0: Tensor; dW_ih: Tensor; dW_hh: Tensor; db_ih: Tensor; db_hh: Tensor; dW_fc: Tensor; db_fc: Tensor } {
  // TODO
  return notImplemented('seq2vecBackward');
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

/**
 * x: [N, T, D] and labels: [N] (0 or 1), the training set. Trains a GRU classifier with
 * minibatch SGD on the mean BCE and returns its weights and the training losses
 * (README.md, Part 7, gives the recipe).
 */
export function trainSeq2Vec(x: Tensor, labels: IntTensor, options: Seq2VecOptions): Seq2VecTrained {
  // TODO
  return notImplemented('trainSeq2Vec');
}
