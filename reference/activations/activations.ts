/**
 * Activation functions, forward and backward: the reference solution.
 *
 * Every function works elementwise on a tensor of any shape, except the softmax family,
 * which works along the last axis (each row of a [N, C] tensor is one distribution).
 * A backward function gets the forward's input `x` and the upstream gradient
 * `dout = dL/dy` (same shape as y) and returns `dL/dx`.
 */
import { Tensor, erf, map, zip, zerosLike } from '../common';

// ----- sigmoid: y = 1 / (1 + e^-x) -------------------------------------------------------

/** sigmoid(x), computed without overflow for large |x|. */
function sigmoid(x: number): number {
  // For x < 0, e^-x overflows; the equivalent form e^x / (1 + e^x) does not.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function sigmoidForward(x: Tensor): Tensor {
  return map(x, sigmoid);
}

/** dy/dx = y (1 - y), with y = sigmoid(x), not x. */
export function sigmoidBackward(x: Tensor, dout: Tensor): Tensor {
  return zip(x, dout, (xi, g) => {
    const y = sigmoid(xi);
    return g * y * (1 - y);
  });
}

// ----- tanh: y = (e^x - e^-x) / (e^x + e^-x) -----------------------------------------------

export function tanhForward(x: Tensor): Tensor {
  return map(x, Math.tanh);
}

/** dy/dx = 1 - y^2, with y = tanh(x). */
export function tanhBackward(x: Tensor, dout: Tensor): Tensor {
  return zip(x, dout, (xi, g) => {
    const y = Math.tanh(xi);
    return g * (1 - y * y);
  });
}

// ----- ReLU: y = max(0, x) ------------------------------------------------------------------

export function reluForward(x: Tensor): Tensor {
  return map(x, (xi) => (xi > 0 ? xi : 0));
}

/** dy/dx = 1 for x > 0, else 0 (the subgradient at exactly 0 is 0, as PyTorch). */
export function reluBackward(x: Tensor, dout: Tensor): Tensor {
  return zip(x, dout, (xi, g) => (xi > 0 ? g : 0));
}

// ----- leaky ReLU: y = x for x > 0, else slope * x -------------------------------------------

export function leakyReluForward(x: Tensor, negativeSlope = 0.01): Tensor {
  return map(x, (xi) => (xi > 0 ? xi : negativeSlope * xi));
}

/** dy/dx = 1 for x > 0, else slope (also at exactly 0, as PyTorch). */
export function leakyReluBackward(x: Tensor, dout: Tensor, negativeSlope = 0.01): Tensor {
  return zip(x, dout, (xi, g) => (xi > 0 ? g : negativeSlope * g));
}

// ----- GELU (exact): y = x * Phi(x), Phi the standard normal CDF ------------------------------

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Phi(x) = (1 + erf(x / sqrt 2)) / 2 */
function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x * SQRT_HALF));
}

export function geluForward(x: Tensor): Tensor {
  return map(x, (xi) => xi * normalCdf(xi));
}

/** dy/dx = Phi(x) + x * phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi). */
export function geluBackward(x: Tensor, dout: Tensor): Tensor {
  return zip(x, dout, (xi, g) => g * (normalCdf(xi) + xi * INV_SQRT_2PI * Math.exp(-0.5 * xi * xi)));
}

// ----- softmax over the last axis: y_j = e^(x_j - m) / sum_k e^(x_k - m), m = max_k x_k --------

/** Applies `f(row, out, offset, length)` to each row along the last axis. */
function forEachRow(x: Tensor, f: (offset: number, length: number) => void): void {
  const C = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1];
  for (let offset = 0; offset < x.data.length; offset += C) f(offset, C);
}

export function softmaxForward(x: Tensor): Tensor {
  const y = zerosLike(x);
  forEachRow(x, (o, C) => {
    // Subtracting the row max changes nothing mathematically and keeps exp() finite.
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, x.data[o + j]);
    let sum = 0;
    for (let j = 0; j < C; j++) sum += (y.data[o + j] = Math.exp(x.data[o + j] - m));
    for (let j = 0; j < C; j++) y.data[o + j] /= sum;
  });
  return y;
}

/** dx_j = y_j (dout_j - sum_k dout_k y_k): the full Jacobian diag(y) - y y^T applied to dout. */
export function softmaxBackward(x: Tensor, dout: Tensor): Tensor {
  const y = softmaxForward(x);
  const dx = zerosLike(x);
  forEachRow(x, (o, C) => {
    let dot = 0;
    for (let j = 0; j < C; j++) dot += dout.data[o + j] * y.data[o + j];
    for (let j = 0; j < C; j++) dx.data[o + j] = y.data[o + j] * (dout.data[o + j] - dot);
  });
  return dx;
}

// ----- log-softmax over the last axis: y_j = x_j - m - log sum_k e^(x_k - m) ------------------

export function logSoftmaxForward(x: Tensor): Tensor {
  const y = zerosLike(x);
  forEachRow(x, (o, C) => {
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, x.data[o + j]);
    let sum = 0;
    for (let j = 0; j < C; j++) sum += Math.exp(x.data[o + j] - m);
    const logSum = m + Math.log(sum);
    for (let j = 0; j < C; j++) y.data[o + j] = x.data[o + j] - logSum;
  });
  return y;
}

/** dx_j = dout_j - softmax(x)_j * sum_k dout_k */
export function logSoftmaxBackward(x: Tensor, dout: Tensor): Tensor {
  const p = softmaxForward(x);
  const dx = zerosLike(x);
  forEachRow(x, (o, C) => {
    let total = 0;
    for (let j = 0; j < C; j++) total += dout.data[o + j];
    for (let j = 0; j < C; j++) dx.data[o + j] = dout.data[o + j] - p.data[o + j] * total;
  });
  return dx;
}

// ----- softmax with a temperature: y = softmax(logits / T) -----------------------------------

export function softmaxTemperatureForward(logits: Tensor, temperature: number): Tensor {
  return softmaxForward(map(logits, (z) => z / temperature));
}

/** Chain rule through z / T: the softmax gradient, divided by T. */
export function softmaxTemperatureBackward(logits: Tensor, dout: Tensor, temperature: number): Tensor {
  const scaled = map(logits, (z) => z / temperature);
  return map(softmaxBackward(scaled, dout), (g) => g / temperature);
}
