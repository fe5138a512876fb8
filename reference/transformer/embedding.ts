/**
 * Token embedding: the reference solution. Instead of multiplying a one-hot vector by a
 * matrix, look up the matrix's row: y[..., :] = W[id, :].
 *
 * weight: [V, D], ids: [...] integers in 0 .. V-1  ->  y: [..., D]
 */
import { IntTensor, Tensor, zeros } from '../common';

export function embeddingForward(weight: Tensor, ids: IntTensor): Tensor {
  const [V, D] = weight.shape;
  const y = zeros([...ids.shape, D]);
  ids.data.forEach((id, k) => {
    if (!(id >= 0 && id < V)) throw new Error(`embeddingForward: id ${id} at position ${k} is outside the vocabulary 0 .. ${V - 1}`);
    for (let j = 0; j < D; j++) y.data[k * D + j] = weight.data[id * D + j];
  });
  return y;
}

/** dW[v] = sum of dout at every position whose id is v: a repeated id accumulates (+=). */
export function embeddingBackward(weight: Tensor, ids: IntTensor, dout: Tensor): Tensor {
  const D = weight.shape[1];
  const dweight = zeros(weight.shape);
  ids.data.forEach((id, k) => {
    for (let j = 0; j < D; j++) dweight.data[id * D + j] += dout.data[k * D + j];
  });
  return dweight;
}
