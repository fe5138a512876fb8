/**
 * Lab 5, part 6: sampling text from the char LM with a temperature.
 *
 *   p = softmax(logits / T)
 *
 * T near 0 puts all the mass on the likeliest character, T = 1 samples the model's own
 * distribution, a large T flattens it towards uniform noise. Random numbers are an input
 * (uniform draws in [0, 1)), so that sampling is deterministic and can be graded.
 * When you are done: `npm run generate -- --prompt "To be or not to be" --temperature 1`.
 */
import { IntTensor, Tensor, notImplemented } from '../common';
import { CharLmParams } from './provided/params';

/**
 * softmax(logits / T) along the last axis; logits: [..., V]. Must be finite and exact at
 * T = 0.01, where logits / T reach thousands and e^(logits / T) overflows.
 */
export function softmaxWithTemperature(logits: Tensor, temperature: number): Tensor {
  // TODO
  return notImplemented('softmaxWithTemperature');
}

/**
 * Inverse-CDF sampling, one token per row: probs: [N, V], uniforms: [N] in [0, 1) -> tokens:
 * [N] (an IntTensor: { shape: [N], data: Int32Array }). Token v is chosen when
 * p_0 + ... + p_(v-1) <= u < p_0 + ... + p_v. If rounding leaves u at or above the total,
 * choose the last token whose probability is not 0.
 */
export function sampleFromProbs(probs: Tensor, uniforms: Tensor): IntTensor {
  // TODO
  return notImplemented('sampleFromProbs');
}

export interface GenerateOptions {
  numHeads: number;
  temperature: number;
  /** The model sees at most this many of the latest tokens (its training window). */
  contextLength: number;
}

/**
 * Generates uniforms.length tokens after `prompt` ([P] ids, P >= 1), one at a time: run the
 * model on the latest contextLength tokens, take the LAST position's logits (the prediction
 * of the next token), sample from softmax(logits / T) with the next uniform draw, append it.
 * Returns the new tokens only: [uniforms.length].
 */
export function generate(p: CharLmParams, prompt: IntTensor, uniforms: Tensor, options: GenerateOptions): IntTensor {
  // TODO
  return notImplemented('generate');
}
