/**
 * A two-layer MLP classifier trained by gradient descent: the reference solution.
 *
 *     z1 = x W1^T + b1      [N, H]
 *     h  = f(z1)            [N, H]   (f: relu, tanh or sigmoid, from ../common/activations)
 *     logits = h W2^T + b2  [N, C]
 *     loss = cross-entropy(logits, targets)
 *
 * As in PyTorch, each parameter keeps its gradient next to it, backward adds into it, and a
 * training step is: zero the gradients, forward, backward, step against the gradient.
 */
import { IntTensor, Tensor } from '../common';
import { ActivationName, activationBackward, activationForward } from '../common/activations';
import { crossEntropyBackward, crossEntropyForward, linearBackward, linearForward } from './layers';

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

function parametersOf(mlp: Mlp): Parameter[] {
  return [mlp.W1, mlp.b1, mlp.W2, mlp.b2];
}

/** p.grad += g, elementwise. */
function accumulate(p: Parameter, g: Tensor): void {
  for (let i = 0; i < p.grad.data.length; i++) p.grad.data[i] += g.data[i];
}

/** x: [N, D]  ->  the cache, whose `logits` are [N, C] */
export function mlpForward(mlp: Mlp, x: Tensor): MlpCache {
  const z1 = linearForward(x, mlp.W1.data, mlp.b1.data);
  const h = activationForward(mlp.activation, z1);
  const logits = linearForward(h, mlp.W2.data, mlp.b2.data);
  return { z1, h, logits };
}

/** Adds dL/d(parameter) into each parameter's grad, from dlogits: [N, C]; returns dL/dx: [N, D]. */
export function mlpBackward(mlp: Mlp, x: Tensor, cache: MlpCache, dlogits: Tensor): Tensor {
  // Backward through the layers in the reverse order of the forward pass.
  const second = linearBackward(cache.h, mlp.W2.data, dlogits);
  accumulate(mlp.W2, second.dW);
  accumulate(mlp.b2, second.db);
  const dz1 = activationBackward(mlp.activation, cache.z1, second.dx);
  const first = linearBackward(x, mlp.W1.data, dz1);
  accumulate(mlp.W1, first.dW);
  accumulate(mlp.b1, first.db);
  return first.dx;
}

/** Sets every parameter's grad to 0. */
export function zeroGrad(mlp: Mlp): void {
  for (const p of parametersOf(mlp)) p.grad.data.fill(0);
}

/** One gradient-descent step, in place: p = p - lr * dL/dp. */
export function sgdStep(mlp: Mlp, lr: number): void {
  for (const p of parametersOf(mlp)) {
    for (let i = 0; i < p.data.data.length; i++) p.data.data[i] -= lr * p.grad.data[i];
  }
}

/** Zero the gradients, forward, loss, backward, step; returns the loss before the step. */
export function trainStep(mlp: Mlp, x: Tensor, targets: IntTensor, lr: number): number {
  zeroGrad(mlp);
  const cache = mlpForward(mlp, x);
  const loss = crossEntropyForward(cache.logits, targets);
  mlpBackward(mlp, x, cache, crossEntropyBackward(cache.logits, targets));
  sgdStep(mlp, lr);
  return loss;
}

/** `steps` full-batch training steps; returns the loss before each step. */
export function train(mlp: Mlp, x: Tensor, targets: IntTensor, steps: number, lr: number): number[] {
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push(trainStep(mlp, x, targets, lr));
  return losses;
}
