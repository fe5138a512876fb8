/**
 * Provided: a linear layer over the last axis, as PyTorch's nn.Linear: y = x W^T + b.
 *
 *   x: [..., in]   weight: [out, in]   bias: [out]   ->   y: [..., out]
 *
 * Every leading axis is a batch axis: a [N, T, in] input is N * T independent rows.
 */
import { Tensor, zeros } from '../../common';

/** y[r, o] = b[o] + sum_i x[r, i] W[o, i], for every row r of x. */
export function linearForward(x: Tensor, weight: Tensor, bias: Tensor): Tensor {
  const [outFeatures, inFeatures] = weight.shape;
  if (x.shape[x.shape.length - 1] !== inFeatures) {
    throw new Error(`linearForward: x is [${x.shape.join(', ')}] but the weight expects ${inFeatures} input features`);
  }
  const rows = x.data.length / inFeatures;
  const y = zeros([...x.shape.slice(0, -1), outFeatures]);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outFeatures; o++) {
      let acc = bias.data[o];
      for (let i = 0; i < inFeatures; i++) acc += x.data[r * inFeatures + i] * weight.data[o * inFeatures + i];
      y.data[r * outFeatures + o] = acc;
    }
  }
  return y;
}

export interface LinearGrads {
  /** [..., in] */
  dx: Tensor;
  /** [out, in] */
  dweight: Tensor;
  /** [out] */
  dbias: Tensor;
}

/** dx = dy W,  dW = sum over rows of dy^T x,  db = sum over rows of dy. */
export function linearBackward(x: Tensor, weight: Tensor, dout: Tensor): LinearGrads {
  const [outFeatures, inFeatures] = weight.shape;
  const rows = x.data.length / inFeatures;
  const dx = zeros(x.shape);
  const dweight = zeros(weight.shape);
  const dbias = zeros([outFeatures]);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outFeatures; o++) {
      const g = dout.data[r * outFeatures + o];
      if (g === 0) continue;
      dbias.data[o] += g;
      for (let i = 0; i < inFeatures; i++) {
        dx.data[r * inFeatures + i] += g * weight.data[o * inFeatures + i];
        dweight.data[o * inFeatures + i] += g * x.data[r * inFeatures + i];
      }
    }
  }
  return { dx, dweight, dbias };
}
