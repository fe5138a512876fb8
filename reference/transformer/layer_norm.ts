/**
 * Layer normalisation over the last axis: the reference solution.
 *
 *   y = gamma * (x - mean) / sqrt(var + eps) + beta
 *
 * x: [..., D] (each row of D features is normalised on its own), gamma, beta: [D].
 * The variance is the biased one (divide by D, as PyTorch), and eps sits inside the root.
 */
import { Tensor, zeros, zerosLike } from '../common';

export interface LayerNormGrads {
  /** [..., D] */
  dx: Tensor;
  /** [D] */
  dgamma: Tensor;
  /** [D] */
  dbeta: Tensor;
}

/** mean = sum x / D;  var = sum (x - mean)^2 / D;  1 / sqrt(var + eps), for the row at `offset`. */
function rowStatistics(x: Tensor, offset: number, D: number, eps: number): { mean: number; invStd: number } {
  let sum = 0;
  for (let j = 0; j < D; j++) sum += x.data[offset + j];
  const mean = sum / D;
  let squares = 0;
  for (let j = 0; j < D; j++) squares += (x.data[offset + j] - mean) ** 2;
  const variance = squares / D;
  return { mean, invStd: 1 / Math.sqrt(variance + eps) };
}

export function layerNormForward(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const D = gamma.data.length;
  const y = zerosLike(x);
  for (let offset = 0; offset < x.data.length; offset += D) {
    const { mean, invStd } = rowStatistics(x, offset, D, eps);
    for (let j = 0; j < D; j++) y.data[offset + j] = gamma.data[j] * (x.data[offset + j] - mean) * invStd + beta.data[j];
  }
  return y;
}

/**
 * With xhat = (x - mean) / sqrt(var + eps) and g = dout * gamma, per row:
 *   dx = (g - mean(g) - xhat * mean(g * xhat)) / sqrt(var + eps)
 *   dgamma = sum over rows of dout * xhat,   dbeta = sum over rows of dout.
 * The two mean terms come from x's own effect on the row's mean and variance.
 */
export function layerNormBackward(x: Tensor, gamma: Tensor, dout: Tensor, eps = 1e-5): LayerNormGrads {
  const D = gamma.data.length;
  const dx = zerosLike(x);
  const dgamma = zeros([D]);
  const dbeta = zeros([D]);
  const xhat = new Float64Array(D);
  const g = new Float64Array(D);
  for (let offset = 0; offset < x.data.length; offset += D) {
    const { mean, invStd } = rowStatistics(x, offset, D, eps);
    let meanG = 0;
    let meanGXhat = 0;
    for (let j = 0; j < D; j++) {
      xhat[j] = (x.data[offset + j] - mean) * invStd;
      g[j] = dout.data[offset + j] * gamma.data[j];
      dgamma.data[j] += dout.data[offset + j] * xhat[j];
      dbeta.data[j] += dout.data[offset + j];
      meanG += g[j] / D;
      meanGXhat += (g[j] * xhat[j]) / D;
    }
    for (let j = 0; j < D; j++) dx.data[offset + j] = (g[j] - meanG - xhat[j] * meanGXhat) * invStd;
  }
  return { dx, dgamma, dbeta };
}
