/**
 * How the attention grader calls the lab. Op, input and output names follow
 * ../shared/oracle/attention.json:
 * - scaled_dot_product: Q, K, V and an optional bool mask [T, S] -> out, weights;
 * - additive: q, keys, values, W_q, W_k, v -> out, weights;
 * - multi_head (params num_heads): x, in_proj_weight, in_proj_bias, out_proj.weight,
 *   out_proj.bias and an optional mask [T, T] -> out, weights [N, h, T, T].
 * Upstream gradients flow from `out` only; the weights are checked as values. One op is the
 * grader's own: causal_mask (the helper alone, and the weights of equal scores under its mask).
 * Whether the lab refuses a query whose keys are all blocked, rather than return NaN, is a
 * `check: throws` item of scaled_dot_product in the rubric.
 *
 * Part 5, the attention decoder, follows ../shared/oracle-sequence/attention.json: parameters
 * emb, W_q, W_k, v, W_ih, W_hh, b_ih, b_hh, W_out, b_out (AttnDecoderParams), encoder states
 * `enc` [N, S, H] and an optional padding mask [N, S] (true = blocked):
 * - attn_decoder_step: y_prev [N], h [N, H] -> logits, h_next, weights (upstream on logits and
 *   h_next; gradients of every parameter, h and enc);
 * - attn_decoder_loss (params sos): h0, targets [N, T] -> loss, weights [N, T, S] (upstream on
 *   loss; gradients of every parameter, enc and h0);
 * - attn_decoder_greedy (params sos, steps): h0 -> tokens [N, steps], logits [N, steps, V] and
 *   weights, values only.
 * And one op of the grader's own, translate_dates: the translator trained by the lab's given
 * trainer with the lab's loss (params are its TrainOptions), then the lab's greedy decoding of
 * held-out source sentences (inputs src [N, S] character ids and their padding mask):
 * `tokens` [N, 10]. Its `evaluate`, in the grader, reads the date each sentence writes and
 * adds `exact_match`, the share of translations equal to it; the lab never sees those dates.
 *
 * Inputs are drawn, and translate_dates's exact_match computed, in graders/attention.inputs.ts.
 */
import type * as Attention from '../labs/attention/attention';
import type * as Decoder from '../labs/attention/decoder';
import type { Tensor } from '../labs/common';
import { progress, scalarOf, scaled } from './engine/kit';
import type { CaseParams, OpCalls, Ops } from './engine/kit';

type Lab = typeof Attention & typeof Decoder;

export function size(p: CaseParams, name: string, fallback: number): number {
  const v = p[name];
  return typeof v === 'number' ? v : fallback;
}

export const DECODER_PARAMS = ['emb', 'W_q', 'W_k', 'v', 'W_ih', 'W_hh', 'b_ih', 'b_hh', 'W_out', 'b_out'] as const;

// ----- calling the lab -------------------------------------------------------------------------------

/* eslint-disable @typescript-eslint/no-explicit-any */
function multiHeadParams(inputs: any): Attention.MultiHeadParams {
  return { inProjWeight: inputs.in_proj_weight, inProjBias: inputs.in_proj_bias, outProjWeight: inputs['out_proj.weight'], outProjBias: inputs['out_proj.bias'] };
}

/** The decoder's parameters from the inputs, by name. */
function decoderParams(inputs: any): Decoder.AttnDecoderParams {
  return Object.fromEntries(DECODER_PARAMS.map((k) => [k, inputs[k]])) as unknown as Decoder.AttnDecoderParams;
}

/** The lab's parameter gradients, by the names of the inputs they belong to (every one of them, so that a missing one is reported). */
function decoderGrads(grads: any, factor = 1): Record<string, unknown> {
  return Object.fromEntries(DECODER_PARAMS.map((k) => [k, scaled(grads?.[k], factor)]));
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const sos = (p: CaseParams): number => size(p, 'sos', 0);

/**
 * What a mask [T, S] does to attention: the weights of equal scores under it, each query's open
 * keys sharing 1 (NaN for a query with none, as softmax over no key). A continuous value, so
 * that a wrong mask is told apart by more than its bits (a diagnosis needs that evidence).
 */
function equalScoreWeights(mask: { shape: readonly number[]; data: ArrayLike<number> } | undefined): Tensor | undefined {
  if (!mask?.shape || !mask.data || mask.shape.length !== 2) return undefined;
  const [T, S] = mask.shape;
  const data = new Float64Array(T * S);
  for (let i = 0; i < T; i++) {
    let open = 0;
    for (let j = 0; j < S; j++) if (!mask.data[i * S + j]) open++;
    for (let j = 0; j < S; j++) data[i * S + j] = mask.data[i * S + j] ? 0 : 1 / open;
    if (open === 0) data.fill(NaN, i * S, (i + 1) * S);
  }
  return { shape: [T, S], data };
}

const scaledDotProduct: OpCalls<Lab> = {
  uses: { forward: ['scaledDotProductForward'], backward: ['scaledDotProductBackward'] },
  upstream: ['out'],
  forward: (lab, { Q, K, V, mask }) => ({ ...lab.scaledDotProductForward(Q, K, V, mask) }),
  backward: (lab, { Q, K, V, mask }, _p, { out }) => {
    const g = lab.scaledDotProductBackward(Q, K, V, out, mask);
    return { Q: g?.dQ, K: g?.dK, V: g?.dV };
  },
};

export const ops: Ops<Lab> = {
  scaled_dot_product: scaledDotProduct,

  causal_mask: {
    uses: { forward: ['causalMask'] },
    forward: (lab, _inputs, p) => {
      const mask = lab.causalMask(p.T, p.S);
      return { mask, weights: equalScoreWeights(mask) };
    },
  },

  additive: {
    uses: { forward: ['additiveForward'], backward: ['additiveBackward'] },
    upstream: ['out'],
    forward: (lab, { q, keys, values, W_q, W_k, v }) => ({ ...lab.additiveForward(q, keys, values, { W_q, W_k, v }) }),
    backward: (lab, { q, keys, values, W_q, W_k, v }, _p, { out }) => {
      const g = lab.additiveBackward(q, keys, values, { W_q, W_k, v }, out);
      return { q: g?.dq, keys: g?.dKeys, values: g?.dValues, W_q: g?.dW_q, W_k: g?.dW_k, v: g?.dv };
    },
  },

  attn_decoder_step: {
    uses: { forward: ['attnDecoderStepForward'], backward: ['attnDecoderStepBackward'] },
    upstream: ['logits', 'h_next'],
    forward: (lab, inputs) => {
      const o = lab.attnDecoderStepForward(decoderParams(inputs), inputs.y_prev, inputs.h, inputs.enc, inputs.mask);
      return { logits: o?.logits, h_next: o?.hNext, weights: o?.weights };
    },
    backward: (lab, inputs, _p, up) => {
      const g = lab.attnDecoderStepBackward(decoderParams(inputs), inputs.y_prev, inputs.h, inputs.enc, up.logits, up.h_next, inputs.mask);
      return { ...decoderGrads(g?.grads), h: g?.dh, enc: g?.dEnc };
    },
  },

  attn_decoder_loss: {
    uses: { forward: ['attnDecoderLoss'], backward: ['attnDecoderLossBackward'] },
    upstream: ['loss'],
    forward: (lab, inputs, p) => ({ ...lab.attnDecoderLoss(decoderParams(inputs), inputs.enc, inputs.h0, inputs.targets, sos(p), inputs.mask) }),
    backward: (lab, inputs, p, { loss }) => {
      const g = lab.attnDecoderLossBackward(decoderParams(inputs), inputs.enc, inputs.h0, inputs.targets, sos(p), inputs.mask);
      const u = scalarOf(loss);
      return { ...decoderGrads(g?.grads, u), enc: scaled(g?.dEnc, u), h0: scaled(g?.dh0, u) };
    },
  },

  attn_decoder_greedy: {
    uses: { forward: ['attnDecoderGreedy'] },
    forward: (lab, inputs, p) => ({ ...lab.attnDecoderGreedy(decoderParams(inputs), inputs.enc, inputs.h0, sos(p), size(p, 'steps', 6), inputs.mask) }),
  },

  translate_dates: {
    uses: { forward: ['trainTranslator', 'translateSentences', 'attnDecoderLoss', 'attnDecoderLossBackward', 'attnDecoderGreedy'] },
    // The training reports each step (kit.progress): a loop it reaches is stopped within a
    // few seconds of its last step, not at the end of the training's whole budget.
    forward: (lab, { src, mask }, p) => ({ tokens: lab.translateSentences(lab.trainTranslator({ ...(p as Parameters<Lab['trainTranslator']>[0]), onProgress: progress }), src, mask)?.tokens }),
  },

  multi_head: {
    uses: { forward: ['multiHeadForward'], backward: ['multiHeadBackward'] },
    upstream: ['out'],
    forward: (lab, inputs, p) => ({ ...lab.multiHeadForward(inputs.x, multiHeadParams(inputs), p.num_heads, inputs.mask) }),
    backward: (lab, inputs, p, { out }) => {
      const g = lab.multiHeadBackward(inputs.x, multiHeadParams(inputs), p.num_heads, out, inputs.mask);
      return { x: g?.dx, in_proj_weight: g?.dInProjWeight, in_proj_bias: g?.dInProjBias, 'out_proj.weight': g?.dOutProjWeight, 'out_proj.bias': g?.dOutProjBias };
    },
  },
};
