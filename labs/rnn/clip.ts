/**
 * Lab: recurrent networks. Part 4, gradient clipping by global norm (PyTorch's
 * torch.nn.utils.clip_grad_norm_). README.md explains it.
 */
import { Tensor, notImplemented } from '../common';

/**
 * grads: any number of tensors of any shapes. Returns the clipped gradients (new tensors, same
 * shapes and order; unlike PyTorch, do not change the inputs) and the total norm before clipping.
 */
// total_norm = sqrt(sum over every element of every gradient of g^2); coef = maxNorm / (total_norm + 1e-6); g * coef when coef < 1
export function clipGradNorm(grads: Tensor[], maxNorm: number): { grads: Tensor[]; totalNorm: number } {
  // TODO
  return notImplemented('clipGradNorm');
}
