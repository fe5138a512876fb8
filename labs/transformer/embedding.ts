/**
 * Lab 5, part 3: token embedding, forward and backward.
 *
 * A one-hot vector times a matrix picks one of its rows, so an embedding layer skips the
 * one-hot vector and looks the row up: y[..., :] = W[id, :].
 *
 * weight: [V, D], ids: [...] integers in 0 .. V-1 (an IntTensor: ids.data is an Int32Array)
 * -> y: [..., D]. For ids [N, T], y is [N, T, D], and y[n, t, :] = W[ids[n, t], :].
 */
import { IntTensor, Tensor, notImplemented } from '../common';

export function embeddingForward(weight: Tensor, ids: IntTensor): Tensor {
  // TODO
  return notImplemented('embeddingForward');
}

/**
 * dL/dW given dout = dL/dy ([..., D]): row v of dW is the sum of dout over every position
 * whose id is v. An id that occurs twice gets both gradients (accumulate with +=); rows of
 * ids that never occur are zero.
 */
export function embeddingBackward(weight: Tensor, ids: IntTensor, dout: Tensor): Tensor {
  // TODO
  return notImplemented('embeddingBackward');
}
