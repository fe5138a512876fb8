/**
 * A tiny character-level language model: the reference solution.
 *
 *   x      = tok.weight[ids] + PE               token embeddings plus sinusoidal positions
 *   h      = Block(x)                           one pre-norm encoder layer with a causal mask
 *   logits = head(LN_f(h))                      final layer norm, then a linear layer to V scores
 *   loss   = mean over every position of -log softmax(logits)[target]
 *
 * ids, targets: [N, T] integers in 0 .. V-1 (targets[n, t] is usually ids[n, t+1]);
 * logits: [N, T, V]. The causal mask makes position t see positions 0 .. t only, so
 * logits[n, t] predict the character after t from the text so far.
 */
import { IntTensor, Tensor, zerosLike } from '../common';
import { embeddingBackward, embeddingForward } from './embedding';
import { causalMask, encoderLayerBackward, encoderLayerForward, EncoderLayerOptions } from './encoder';
import { layerNormBackward, layerNormForward } from './layer_norm';
import { positionalEncoding } from './positions';
import { linearBackward, linearForward } from './provided/linear';
import { CharLmParams, asBlockParams, blockParams } from './provided/params';

/** x[n, t] = tok.weight[ids[n, t]] + PE[t]: [N, T, E]. */
function embedWithPositions(p: CharLmParams, ids: IntTensor): Tensor {
  const [, T] = ids.shape;
  const E = p['tok.weight'].shape[1];
  const x = embeddingForward(p['tok.weight'], ids);
  const pe = positionalEncoding(T, E);
  for (let k = 0; k < x.data.length; k++) x.data[k] += pe.data[k % (T * E)];
  return x;
}

function blockOptions(numHeads: number): EncoderLayerOptions {
  return { numHeads, normFirst: true };
}

/** logits: [N, T, V] for ids: [N, T]. */
export function charLmForward(p: CharLmParams, ids: IntTensor, numHeads: number): Tensor {
  const x = embedWithPositions(p, ids);
  const h = encoderLayerForward(x, blockParams(p), blockOptions(numHeads), causalMask(ids.shape[1]));
  const z = layerNormForward(h, p['ln_f.weight'], p['ln_f.bias']);
  return linearForward(z, p['head.weight'], p['head.bias']);
}

// ----- cross-entropy: loss = -(1/M) sum over the M positions of log softmax(logits)[target] -----

/** logits: [..., V], targets: [...] -> the mean loss over every position. */
export function crossEntropyForward(logits: Tensor, targets: IntTensor): number {
  const V = logits.shape[logits.shape.length - 1];
  const M = targets.data.length;
  let total = 0;
  for (let m = 0; m < M; m++) {
    const o = m * V;
    // log softmax(z)_c = z_c - max - log sum_k e^(z_k - max): stable for any logits
    let max = -Infinity;
    for (let k = 0; k < V; k++) max = Math.max(max, logits.data[o + k]);
    let sum = 0;
    for (let k = 0; k < V; k++) sum += Math.exp(logits.data[o + k] - max);
    total -= logits.data[o + targets.data[m]] - max - Math.log(sum);
  }
  return total / M;
}

/** dloss/dlogits = (softmax(logits) - onehot(target)) / M, row by row. */
export function crossEntropyBackward(logits: Tensor, targets: IntTensor): Tensor {
  const V = logits.shape[logits.shape.length - 1];
  const M = targets.data.length;
  const dlogits = zerosLike(logits);
  for (let m = 0; m < M; m++) {
    const o = m * V;
    let max = -Infinity;
    for (let k = 0; k < V; k++) max = Math.max(max, logits.data[o + k]);
    let sum = 0;
    for (let k = 0; k < V; k++) sum += (dlogits.data[o + k] = Math.exp(logits.data[o + k] - max));
    for (let k = 0; k < V; k++) dlogits.data[o + k] /= sum * M;
    dlogits.data[o + targets.data[m]] -= 1 / M;
  }
  return dlogits;
}

// ----- the gradient of the loss with respect to every parameter --------------------------------

/** d(mean loss)/d(parameter) for every parameter, by state_dict name. */
export function charLmBackward(p: CharLmParams, ids: IntTensor, targets: IntTensor, numHeads: number): CharLmParams {
  const mask = causalMask(ids.shape[1]);
  const block = blockParams(p);
  const options = blockOptions(numHeads);
  // forward again, keeping what the backward needs
  const x = embedWithPositions(p, ids);
  const h = encoderLayerForward(x, block, options, mask);
  const z = layerNormForward(h, p['ln_f.weight'], p['ln_f.bias']);
  const logits = linearForward(z, p['head.weight'], p['head.bias']);
  // and back, one module at a time
  const head = linearBackward(z, p['head.weight'], crossEntropyBackward(logits, targets));
  const lnF = layerNormBackward(h, p['ln_f.weight'], head.dx);
  const blockGrads = encoderLayerBackward(x, block, options, lnF.dx, mask);
  // x = tok.weight[ids] + PE: the positions are constants, so dx goes to the embedding only
  const tok = embeddingBackward(p['tok.weight'], ids, blockGrads.dx);
  return {
    'tok.weight': tok,
    ...asBlockParams(blockGrads.grads),
    'ln_f.weight': lnF.dgamma,
    'ln_f.bias': lnF.dbeta,
    'head.weight': head.dweight,
    'head.bias': head.dbias,
  };
}
