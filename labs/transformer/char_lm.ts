/**
 * Lab 5, part 5: a tiny character-level language model.
 *
 *   x      = tok.weight[ids] + PE               token embeddings plus sinusoidal positions
 *   h      = Block(x)                           one pre-norm encoder layer with a causal mask
 *   logits = head(LN_f(h))                      final layer norm, then a linear layer to V scores
 *   loss   = mean over every position of -log softmax(logits)[target]
 *
 * ids, targets: [N, T] integers in 0 .. V-1 (targets[n, t] is usually ids[n, t+1]);
 * logits: [N, T, V]. The parameters are named 'tok.weight', 'block.<encoder layer name>',
 * 'ln_f.weight', 'ln_f.bias', 'head.weight', 'head.bias' (./provided/params.ts; blockParams
 * and asBlockParams there convert between 'block.norm1.weight' and 'norm1.weight').
 * Use your own pieces: embeddingForward, positionalEncoding, encoderLayerForward (normFirst
 * true, eps 1e-5, mask causalMask(T)), layerNormForward, and the provided linearForward.
 */
import { IntTensor, Tensor, notImplemented } from '../common';
import { CharLmParams } from './provided/params';

/** logits: [N, T, V] for ids: [N, T]. PE[t] is added to every sequence's position t. */
export function charLmForward(p: CharLmParams, ids: IntTensor, numHeads: number): Tensor {
  // TODO
  return notImplemented('charLmForward');
}

/**
 * logits: [..., V], targets: [...] -> the mean over the M positions of -log softmax(logits)[target].
 * Compute log softmax stably (z - max - log sum e^(z - max)): logits may be large.
 */
export function crossEntropyForward(logits: Tensor, targets: IntTensor): number {
  // TODO
  return notImplemented('crossEntropyForward');
}

/** d(mean loss)/dlogits = (softmax(logits) - onehot(target)) / M, row by row: [..., V]. */
export function crossEntropyBackward(logits: Tensor, targets: IntTensor): Tensor {
  // TODO
  return notImplemented('crossEntropyBackward');
}

/**
 * The gradient of the mean loss with respect to every parameter, by state_dict name (all
 * seventeen). Run the forward again keeping its intermediate values, then go back through
 * the head, LN_f, the block and the embedding. The positions PE are constants.
 */
export function charLmBackward(p: CharLmParams, ids: IntTensor, targets: IntTensor, numHeads: number): CharLmParams {
  // TODO
  return notImplemented('charLmBackward');
}
