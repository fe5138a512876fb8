/**
 * Lab 2, part 3: a two-layer MLP classifier, trained by gradient descent.
 *
 *     z1 = x W1^T + b1      [N, H]
 *     h  = f(z1)            [N, H]   f: relu, tanh or sigmoid, given in ../common/activations
 *     logits = h W2^T + b2  [N, C]
 *     loss = crossEntropy(logits, targets)
 *
 * Build it from your layers (./layers). As in PyTorch, each parameter keeps its gradient next
 * to it (`grad`, the shape of `data`), backward ADDS into it, and one training step is:
 * zero the gradients, forward, loss, backward, step against the gradient.
 *
 * The activations are given, forward and backward:
 *     activationForward(mlp.activation, z)        a = f(z)
 *     activationBackward(mlp.activation, z, da)   dL/dz = da * f'(z)
 * README.md explains the math and the training set.
 */
import { IntTensor, Tensor, notImplemented } from '../common';
import { ActivationName } from '../common/activations';

/** A parameter tensor and dL/d(it), accumulated by backward like PyTorch's `.grad`. */
export interface Parameter {
  data: Tensor;
  grad: Tensor;
}

export interface Mlp {
  /** [H, D] */
  W1: Parameter;
  /** [H] */
  b1: Parameter;
  /** [C, H] */
  W2: Parameter;
  /** [C] */
  b2: Parameter;
  activation: ActivationName;
}

/** What the forward pass computed and the backward pass needs. */
export interface MlpCache {
  /** [N, H] pre-activations */
  z1: Tensor;
  /** [N, H] hidden activations */
  h: Tensor;
  /** [N, C] */
  logits: Tensor;
}

/** x: [N, D]  ->  z1, h and logits: [N, C]. */
export function mlpForward(mlp: Mlp, x: Tensor): MlpCache {
  // TODO
  return notImplemented('mlpForward');
}

/**
 * The backward pass from dlogits = dL/dlogits: [N, C]. ADDS dL/dW1, dL/db1, dL/dW2, dL/db2
 * into the parameters' `grad` (change `grad.data` in place), and returns dL/dx: [N, D].
 */
export function mlpBackward(mlp: Mlp, x: Tensor, cache: MlpCache, dlogits: Tensor): Tensor {
  // TODO
  return notImplemented('mlpBackward');
}

/** Sets every parameter's grad to 0, in place. */
export function zeroGrad(mlp: Mlp): void {
  // TODO
  notImplemented('zeroGrad');
}

/** One step of gradient descent, in place: every parameter p = p - lr * dL/dp. */
export function sgdStep(mlp: Mlp, lr: number): void {
  // TODO
  notImplemented('sgdStep');
}

/**
 * One training step on the whole batch: zero the gradients, forward, cross-entropy loss,
 * backward, SGD step. Returns the loss computed in this step (before the update).
 */
export function trainStep(mlp: Mlp, x: Tensor, targets: IntTensor, lr: number): number {
  // TODO
  return notImplemented('trainStep');
}

/**
 * `steps` training steps; returns the loss of each step, in order. It trains `mlp` in place:
 * the grader reads the parameters it leaves there.
 */
export function train(mlp: Mlp, x: Tensor, targets: IntTensor, steps: number, lr: number): number[] {
  // TODO
  return notImplemented('train');
}
