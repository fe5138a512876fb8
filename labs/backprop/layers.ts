/**
 * Lab 2, part 2: batched layers, with PyTorch's layout.
 *
 * A batch of N vectors is a [N, D] tensor. A linear layer's weight is W: [out, in] and
 * y = x W^T + b. A backward function gets what its forward got and the upstream gradient
 * (`dout = dL/dy`, same shape as y; for a loss, the number `dloss = dL/dloss`, 1 by default)
 * and returns the gradients of the forward's inputs, each the shape of its input.
 *
 * Return new tensors: never change an argument in place (the grader checks).
 * Helpers you may use are in ../common: tensor, zeros, zerosLike, matmul, transpose, map, zip.
 * README.md explains the math.
 */
import { IntTensor, Tensor, notImplemented } from '../common';

// ----- linear layer: y = x W^T + b ------------------------------------------------------------

/** x: [N, in], W: [out, in], b: [out]  ->  y: [N, out] */
export function linearForward(x: Tensor, W: Tensor, b: Tensor): Tensor {
  // TODO
  return notImplemented('linearForward');
}

export interface LinearGrads {
  /** dL/dx: [N, in] */
  dx: Tensor;
  /** dL/dW: [out, in], the shape of W */
  dW: Tensor;
  /** dL/db: [out] */
  db: Tensor;
}

/** The gradients of y = x W^T + b, from dout = dL/dy: [N, out]. */
export function linearBackward(x: Tensor, W: Tensor, dout: Tensor): LinearGrads {
  // TODO
  return notImplemented('linearBackward');
}

// ----- mean squared error ----------------------------------------------------------------------

/** loss = mean over every element of (y - t)^2;  y, t: the same shape. */
export function mseForward(y: Tensor, t: Tensor): number {
  // TODO
  return notImplemented('mseForward');
}

/** dL/dy, the shape of y, for L = dloss * mse(y, t). */
export function mseBackward(y: Tensor, t: Tensor, dloss = 1): Tensor {
  // TODO
  return notImplemented('mseBackward');
}

// ----- softmax cross-entropy -------------------------------------------------------------------

/**
 * loss = mean over the batch of -log softmax(logits[n])[targets[n]].
 * logits: [N, C], targets: [N] class ids in 0..C-1. Must be finite and exact for logits of
 * +-1000 (e^1000 overflows): use the log-sum-exp with the row's max subtracted.
 */
export function crossEntropyForward(logits: Tensor, targets: IntTensor): number {
  // TODO
  return notImplemented('crossEntropyForward');
}

/** dL/dlogits: [N, C], for L = dloss * crossEntropy(logits, targets). Stable at +-1000 too. */
export function crossEntropyBackward(logits: Tensor, targets: IntTensor, dloss = 1): Tensor {
  // TODO
  return notImplemented('crossEntropyBackward');
}
