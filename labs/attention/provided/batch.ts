/**
 * Given code for the attention lab (not graded, no need to change it): batch element `n` of a
 * [N, A, B] tensor as a [A, B] matrix, and back, so that each batch element can use the 2-D
 * `matmul` and `transpose` of ../common.
 */
import { Tensor, tensor } from '../../common';

/** Batch element n of x: [N, A, B], as a new [A, B] matrix. */
export function batchItem(x: Tensor, n: number): Tensor {
  const [, A, B] = x.shape;
  return tensor([A, B], x.data.subarray(n * A * B, (n + 1) * A * B));
}

/** Writes m: [A, B] into batch element n of x: [N, A, B]. */
export function setBatchItem(x: Tensor, n: number, m: Tensor): void {
  const [, A, B] = x.shape;
  if (x.shape.length !== 3 || m.shape.length !== 2 || m.shape[0] !== A || m.shape[1] !== B) {
    throw new Error(`setBatchItem: cannot write a [${m.shape.join(', ')}] matrix into an element of a [${x.shape.join(', ')}] batch`);
  }
  x.data.set(m.data, n * A * B);
}
