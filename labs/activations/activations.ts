/**
 * Lab 1: activation functions, forward and backward.
 *
 * Every function works elementwise on a tensor of any shape, except the softmax family,
 * which works along the last axis (each row of a [N, C] tensor is one distribution).
 * A backward function gets the forward's input `x` and the upstream gradient
 * `dout = dL/dy` (same shape as y) and returns `dL/dx` (same shape as x).
 *
 * Return new tensors: never change `x` or `dout` in place (the grader checks).
 * Helpers you may use are in ../common (tensor, zeros, zerosLike, map, zip, erf, ...).
 * Run `npx gradecheck grade --labs activations` to see your score; README.md explains the math.
 */
import { Tensor, notImplemented } from '../common';

// ----- sigmoid: y = 1 / (1 + e^-x) -------------------------------------------------------

/** y = sigmoid(x). Must stay finite and exact for x = +-1000 (e^1000 overflows). */
export function sigmoidForward(x: Tensor): Tensor {
  // TODO
  return notImplemented('sigmoidForward');
}

/** dL/dx = dout * dy/dx. Hint: write dy/dx in terms of y = sigmoid(x). */
export function sigmoidBackward(x: Tensor, dout: Tensor): Tensor {
  // TODO
  return notImplemented('sigmoidBackward');
}

// ----- tanh --------------------------------------------------------------------------------

/** y = tanh(x). */
export function tanhForward(x: Tensor): Tensor {
  // TODO
  return notImplemented('tanhForward');
}

/** dL/dx = dout * dy/dx. Hint: dy/dx is a function of y = tanh(x). */
export function tanhBackward(x: Tensor, dout: Tensor): Tensor {
  // TODO
  return notImplemented('tanhBackward');
}

// ----- ReLU: y = max(0, x) ------------------------------------------------------------------

/** y = max(0, x). */
export function reluForward(x: Tensor): Tensor {
  // TODO
  return notImplemented('reluForward');
}

/** dL/dx = dout where x > 0, else 0. At exactly x = 0 use 0 (PyTorch's subgradient). */
export function reluBackward(x: Tensor, dout: Tensor): Tensor {
  // TODO
  return notImplemented('reluBackward');
}

// ----- leaky ReLU ---------------------------------------------------------------------------

/** y = x for x > 0, else negativeSlope * x. */
export function leakyReluForward(x: Tensor, negativeSlope = 0.01): Tensor {
  // TODO
  return notImplemented('leakyReluForward');
}

/** dL/dx = dout for x > 0, else negativeSlope * dout (at exactly 0: negativeSlope, as PyTorch). */
export function leakyReluBackward(x: Tensor, dout: Tensor, negativeSlope = 0.01): Tensor {
  // TODO
  return notImplemented('leakyReluBackward');
}

// ----- GELU (exact) -------------------------------------------------------------------------

/** y = x * Phi(x), Phi(x) = (1 + erf(x / sqrt(2))) / 2: the exact form, not the tanh approximation. */
export function geluForward(x: Tensor): Tensor {
  // TODO
  return notImplemented('geluForward');
}

/** dL/dx = dout * (Phi(x) + x * phi(x)), phi the standard normal density. */
export function geluBackward(x: Tensor, dout: Tensor): Tensor {
  // TODO
  return notImplemented('geluBackward');
}

// ----- softmax over the last axis -----------------------------------------------------------

/** y_j = e^(x_j) / sum_k e^(x_k) along the last axis, computed stably (rows of +-1000 must work). */
export function softmaxForward(x: Tensor): Tensor {
  // TODO
  return notImplemented('softmaxForward');
}

/** dL/dx_j = y_j (dout_j - sum_k dout_k y_k), per row: the whole Jacobian, not just its diagonal. */
export function softmaxBackward(x: Tensor, dout: Tensor): Tensor {
  // TODO
  return notImplemented('softmaxBackward');
}

// ----- log-softmax over the last axis -------------------------------------------------------

/** y_j = x_j - log sum_k e^(x_k), computed stably: finite and exact for rows of +-1000. */
export function logSoftmaxForward(x: Tensor): Tensor {
  // TODO
  return notImplemented('logSoftmaxForward');
}

/** dL/dx_j = dout_j - softmax(x)_j * sum_k dout_k, per row. */
export function logSoftmaxBackward(x: Tensor, dout: Tensor): Tensor {
  // TODO
  return notImplemented('logSoftmaxBackward');
}

// ----- softmax with a temperature -----------------------------------------------------------

/** y = softmax(logits / temperature) along the last axis; must work at temperature 0.01. */
export function softmaxTemperatureForward(logits: Tensor, temperature: number): Tensor {
  // TODO
  return notImplemented('softmaxTemperatureForward');
}

/** dL/dlogits for y = softmax(logits / temperature). */
export function softmaxTemperatureBackward(logits: Tensor, dout: Tensor, temperature: number): Tensor {
  // TODO
  return notImplemented('softmaxTemperatureBackward');
}
