/**
 * Gradient clipping by global norm (PyTorch's torch.nn.utils.clip_grad_norm_): the reference
 * solution. All gradients are seen as one long vector; if its norm exceeds maxNorm, every
 * gradient is scaled by the same factor, so the update keeps its direction and only gets shorter.
 */
import { Tensor, clone, map } from '../common';

/** Sum of the squares of a tensor's elements. */
function sumOfSquares(g: Tensor): number {
  let s = 0;
  for (const v of g.data) s += v * v;
  return s;
}

/**
 * grads: any number of tensors of any shapes. Returns the clipped gradients (new tensors,
 * same shapes and order) and the total norm before clipping.
 */
// total_norm = sqrt(sum over every element of every gradient of g^2); coef = maxNorm / (total_norm + 1e-6); g * coef when coef < 1
export function clipGradNorm(grads: Tensor[], maxNorm: number): { grads: Tensor[]; totalNorm: number } {
  const totalNorm = Math.sqrt(grads.reduce((s, g) => s + sumOfSquares(g), 0));
  const coef = maxNorm / (totalNorm + 1e-6);
  const clipped = grads.map((g) => (coef < 1 ? map(g, (v) => v * coef) : clone(g)));
  return { grads: clipped, totalNorm };
}
