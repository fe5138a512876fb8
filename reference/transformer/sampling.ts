/**
 * Sampling text from the char LM with a temperature: the reference solution.
 *
 *   p = softmax(logits / T)
 *
 * T near 0 puts all the mass on the likeliest character (greedy: the text repeats itself),
 * T = 1 samples the model's own distribution, a large T flattens it towards uniform noise.
 * Sampling is made deterministic by taking the random numbers as an input: a uniform draw u
 * in [0, 1) picks the first token whose cumulative probability exceeds u (inverse CDF).
 */
import { IntTensor, Tensor, zerosLike } from '../common';
import { charLmForward } from './char_lm';
import { CharLmParams } from './provided/params';

/** softmax(logits / T) along the last axis; logits: [..., V]. Stable at T = 0.01. */
export function softmaxWithTemperature(logits: Tensor, temperature: number): Tensor {
  if (!(temperature > 0)) throw new Error(`softmaxWithTemperature: the temperature must be > 0, got ${temperature}`);
  const V = logits.shape[logits.shape.length - 1];
  const probs = zerosLike(logits);
  for (let o = 0; o < logits.data.length; o += V) {
    // e^((z_k - max) / T): the largest exponent is 0, so nothing overflows however small T is
    let max = -Infinity;
    for (let k = 0; k < V; k++) max = Math.max(max, logits.data[o + k]);
    let sum = 0;
    for (let k = 0; k < V; k++) sum += (probs.data[o + k] = Math.exp((logits.data[o + k] - max) / temperature));
    for (let k = 0; k < V; k++) probs.data[o + k] /= sum;
  }
  return probs;
}

/**
 * Inverse-CDF sampling, one token per row: probs: [N, V], uniforms: [N] in [0, 1) -> tokens: [N].
 * Token v is chosen when p_0 + ... + p_(v-1) <= u < p_0 + ... + p_v. (If rounding leaves
 * u above the total, the last token of nonzero probability is chosen.)
 */
export function sampleFromProbs(probs: Tensor, uniforms: Tensor): IntTensor {
  const V = probs.shape[probs.shape.length - 1];
  const N = probs.data.length / V;
  const tokens = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    const u = uniforms.data[n];
    let cumulative = 0;
    let lastPossible = 0;
    let token = -1;
    for (let v = 0; v < V && token < 0; v++) {
      const p = probs.data[n * V + v];
      if (p > 0) lastPossible = v;
      cumulative += p;
      if (u < cumulative) token = v;
    }
    tokens[n] = token >= 0 ? token : lastPossible;
  }
  return { shape: [N], data: tokens };
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
 * for the next token), sample from softmax(logits / T) with the next uniform draw, append.
 * Returns the new tokens only: [uniforms.length].
 */
export function generate(p: CharLmParams, prompt: IntTensor, uniforms: Tensor, options: GenerateOptions): IntTensor {
  if (prompt.data.length === 0) throw new Error('generate: the prompt needs at least one token');
  const tokens = Array.from(prompt.data);
  const out = new Int32Array(uniforms.data.length);
  for (let step = 0; step < out.length; step++) {
    const context = tokens.slice(-options.contextLength);
    const C = context.length;
    const logits = charLmForward(p, { shape: [1, C], data: Int32Array.from(context) }, options.numHeads);
    const V = logits.shape[2];
    const last: Tensor = { shape: [1, V], data: logits.data.slice((C - 1) * V, C * V) };
    const probs = softmaxWithTemperature(last, options.temperature);
    const next = sampleFromProbs(probs, { shape: [1], data: Float64Array.of(uniforms.data[step]) }).data[0];
    tokens.push(next);
    out[step] = next;
  }
  return { shape: [out.length], data: out };
}
