/**
 * Lab 5, part 1: layer normalisation over the last axis, forward and backward.
 *
 *   y = gamma * (x - mean) / sqrt(var + eps) + beta
 *
 * x: [..., D]: each row of D features (one position of one sequence) is normalised on its
 * own, with its own mean and variance; gamma, beta: [D] are shared by every row.
 * - the variance is the biased one: sum (x - mean)^2 / D, not / (D - 1) (as PyTorch);
 * - eps = 1e-5 goes inside the square root: sqrt(var + eps), not sqrt(var) + eps.
 *
 * Return new tensors: never change an input in place. Helpers are in ../common.
 * Run `npx gradecheck grade --labs transformer` to see your score; README.md explains the math.
 */
import { Tensor, notImplemented } from '../common';

export interface LayerNormGrads {
  /** [..., D] */
  dx: Tensor;
  /** [D] */
  dgamma: Tensor;
  /** [D] */
  dbeta: Tensor;
}

/** y = gamma * (x - mean) / sqrt(var + eps) + beta, row by row. x: [..., D] -> y: [..., D]. */
export function layerNormForward(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  // TODO
  return notImplemented('layerNormForward');
}

/**
 * Given dout = dL/dy, the gradients of x, gamma and beta. Recompute what you need from x.
 * Every x in a row moves that row's mean and variance: dx has two "mean" terms besides
 * dout * gamma / sqrt(var + eps) (README.md derives them). dgamma and dbeta sum over rows.
 */
export function layerNormBackward(x: Tensor, gamma: Tensor, dout: Tensor, eps = 1e-5): LayerNormGrads {
  // TODO
  return notImplemented('layerNormBackward');
}
