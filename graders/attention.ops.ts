/**
 * How the attention grader calls the lab. Op, input and output names follow
 * ../shared/oracle/attention.json:
 * - scaled_dot_product: Q, K, V and an optional bool mask [T, S] -> out, weights;
 * - additive: q, keys, values, W_q, W_k, v -> out, weights;
 * - multi_head (params num_heads): x, in_proj_weight, in_proj_bias, out_proj.weight,
 *   out_proj.bias and an optional mask [T, T] -> out, weights [N, h, T, T].
 * Upstream gradients flow from `out` only; the weights are checked as values. Two ops are the
 * grader's own: causal_mask (the helper alone, and the weights of equal scores under its mask)
 * and scaled_dot_product_blocked_row (does the lab refuse a query whose keys are all blocked,
 * rather than return NaN?).
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
 * Rubric cases draw their inputs from a seed with these params: sizes (N, T, S, d_k, d_v for
 * scaled_dot_product; N, S, D_q, D_k, D_v, A for additive; N, T, E for multi_head), `causal: true`
 * (a causal mask, made here so that a wrong causalMask costs only its own item), `mask: random`
 * (every query keeps at least one key and loses at least one), `mask: blocked_row` with `row`
 * (every key blocked for that query) and `offset` (large scores, see drawScaledDotProduct).
 */
import type * as Attention from '../labs/attention/attention';
import type * as Decoder from '../labs/attention/decoder';
import type { Tensor } from '../labs/common';
import type { Rng } from '../labs/common/rng';
import type { OpDef, Ops } from './engine/core/ops';
import type { Params } from './engine/core/rubric';
import type { TensorValue, Values } from './engine/core/values';

type Lab = typeof Attention & typeof Decoder;

// ----- drawing inputs (runs in the grader only) ----------------------------------------------------

function size(p: Params, name: string, fallback: number): number {
  const v = p[name];
  return typeof v === 'number' ? v : fallback;
}

function normal(rng: Rng, shape: number[], std = 1): TensorValue {
  return { shape, data: rng.normals(shape.reduce((a, b) => a * b, 1), std) };
}

/** Blocked where key j > query i. */
function causal(T: number, S: number): TensorValue {
  const data = new Uint8Array(T * S);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < S; j++) data[i * S + j] = 1;
  return { shape: [T, S], data };
}

/** Every query loses at least one key and keeps at least one, so an inverted mask blocks no query entirely. */
function randomMask(rng: Rng, T: number, S: number): TensorValue {
  const data = new Uint8Array(T * S);
  for (let i = 0; i < T; i++) {
    let blocked = 0;
    for (let j = 0; j < S; j++) blocked += data[i * S + j] = rng.uniform() < 0.4 ? 1 : 0;
    if (blocked === 0) data[i * S + rng.int(S)] = 1;
    if (blocked === S) data[i * S + rng.int(S)] = 0;
  }
  return { shape: [T, S], data };
}

/** A random mask whose query `row` has every key blocked. */
function blockedRowMask(rng: Rng, T: number, S: number, row: number): TensorValue {
  const mask = randomMask(rng, T, S);
  for (let j = 0; j < S; j++) mask.data[row * S + j] = 1;
  return mask;
}

function withMask(inputs: Values, rng: Rng, p: Params, T: number, S: number): Values {
  if (p.causal === true) inputs.mask = causal(T, S);
  else if (p.mask === 'random') inputs.mask = randomMask(rng, T, S);
  else if (p.mask === 'blocked_row') inputs.mask = blockedRowMask(rng, T, S, size(p, 'row', 0));
  else if (p.mask !== undefined) throw new Error(`unknown mask "${String(p.mask)}" (random, blocked_row; or causal: true)`);
  return inputs;
}

/**
 * Q, K, V and maybe a mask. With `offset`, queries and keys share a random unit direction w
 * (Q += 2w, K += offset * w): every score of a query moves by about offset * (2 + q.w) / sqrt(d_k),
 * far beyond exp's range, while the differences between its scores stay of order 1, so the
 * weights are still a real choice rather than one-hot.
 */
function drawScaledDotProduct(rng: Rng, p: Params): Values {
  const [N, T, S, dk, dv] = [size(p, 'N', 2), size(p, 'T', 3), size(p, 'S', 5), size(p, 'd_k', 4), size(p, 'd_v', 3)];
  const Q = normal(rng, [N, T, dk]);
  const K = normal(rng, [N, S, dk]);
  const V = normal(rng, [N, S, dv]);
  const offset = size(p, 'offset', 0);
  if (offset !== 0) {
    const w = rng.normals(dk);
    const norm = Math.hypot(...w);
    for (let i = 0; i < Q.data.length; i++) Q.data[i] += (2 * w[i % dk]) / norm;
    for (let i = 0; i < K.data.length; i++) K.data[i] += (offset * w[i % dk]) / norm;
  }
  return withMask({ Q, K, V }, rng, p, T, S);
}

function drawAdditive(rng: Rng, p: Params): Values {
  const [N, S, Dq, Dk, Dv, A] = [size(p, 'N', 2), size(p, 'S', 5), size(p, 'D_q', 3), size(p, 'D_k', 4), size(p, 'D_v', 2), size(p, 'A', 6)];
  return {
    q: normal(rng, [N, Dq]),
    keys: normal(rng, [N, S, Dk]),
    values: normal(rng, [N, S, Dv]),
    W_q: normal(rng, [A, Dq], 0.5),
    W_k: normal(rng, [A, Dk], 0.5),
    v: normal(rng, [A]),
  };
}

function drawMultiHead(rng: Rng, p: Params): Values {
  const [N, T, E] = [size(p, 'N', 2), size(p, 'T', 4), size(p, 'E', 8)];
  const std = 1 / Math.sqrt(E); // queries and keys of variance about 1, as nn.MultiheadAttention's init
  const inputs: Values = {
    x: normal(rng, [N, T, E]),
    in_proj_weight: normal(rng, [3 * E, E], std),
    in_proj_bias: normal(rng, [3 * E], 0.5),
    'out_proj.weight': normal(rng, [E, E], std),
    'out_proj.bias': normal(rng, [E], 0.5),
  };
  return withMask(inputs, rng, p, T, T);
}

const DECODER_PARAMS = ['emb', 'W_q', 'W_k', 'v', 'W_ih', 'W_hh', 'b_ih', 'b_hh', 'W_out', 'b_out'] as const;

function ints(rng: Rng, shape: number[], high: number): TensorValue {
  return { shape, data: Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.int(high)) };
}

/**
 * A padding mask [N, S] with `padding: random`: sentence n has a random length from 1 to S
 * (true after it), the first sentence S (no padding) and the second at most S - 2.
 */
function paddingMask(rng: Rng, N: number, S: number): TensorValue {
  const data = new Uint8Array(N * S);
  for (let n = 0; n < N; n++) {
    const length = n === 0 ? S : n === 1 ? 1 + rng.int(S - 2) : 1 + rng.int(S);
    for (let j = length; j < S; j++) data[n * S + j] = 1;
  }
  return { shape: [N, S], data };
}

/**
 * The decoder's parameters and encoder states, sized by params N, S, H, E, V, A (defaults 2, 5,
 * 4, 3, 7, 4 as the oracle's first case) and `padding: random` for a mask. Weights are drawn at
 * PyTorch's initial scale, the output layer larger so that the logits of a step differ clearly.
 */
function drawDecoder(rng: Rng, p: Params): Values {
  const [N, S, H, E, V, A] = [size(p, 'N', 2), size(p, 'S', 5), size(p, 'H', 4), size(p, 'E', 3), size(p, 'V', 7), size(p, 'A', 4)];
  const k = 1 / Math.sqrt(H);
  const inputs: Values = {
    enc: normal(rng, [N, S, H], 0.7),
    emb: normal(rng, [V, E]),
    W_q: normal(rng, [A, H], k),
    W_k: normal(rng, [A, H], k),
    v: normal(rng, [A]),
    W_ih: normal(rng, [3 * H, E + H], k),
    W_hh: normal(rng, [3 * H, H], k),
    b_ih: normal(rng, [3 * H], k),
    b_hh: normal(rng, [3 * H], k),
    W_out: normal(rng, [V, H], 2 * k),
    b_out: normal(rng, [V], 0.5),
  };
  if (p.padding === 'random') inputs.mask = paddingMask(rng, N, S);
  else if (p.padding !== undefined) throw new Error(`unknown padding "${String(p.padding)}" (random)`);
  return inputs;
}

function drawDecoderStep(rng: Rng, p: Params): Values {
  const inputs = drawDecoder(rng, p);
  const [N, H, V] = [size(p, 'N', 2), size(p, 'H', 4), size(p, 'V', 7)];
  return { ...inputs, h: normal(rng, [N, H], 0.7), y_prev: ints(rng, [N], V) };
}

/** targets never hold the start token 0, as a real target sentence would not. */
function drawDecoderLoss(rng: Rng, p: Params): Values {
  const inputs = drawDecoder(rng, p);
  const [N, H, V, T] = [size(p, 'N', 2), size(p, 'H', 4), size(p, 'V', 7), size(p, 'T', 4)];
  const targets = ints(rng, [N, T], V - 1);
  for (let i = 0; i < targets.data.length; i++) targets.data[i] += 1;
  return { ...inputs, h0: normal(rng, [N, H], 0.7), targets };
}

function drawDecoderGreedy(rng: Rng, p: Params): Values {
  const inputs = drawDecoder(rng, p);
  return { ...inputs, h0: normal(rng, [size(p, 'N', 2), size(p, 'H', 4)], 0.7) };
}

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

/** An upstream gradient of a scalar output: a number, or a tensor of shape [] (oracle files). */
function scalarOf(u: number | Tensor): number {
  return typeof u === 'number' ? u : u.data[0];
}

/** t * factor, or t itself when it is not a tensor (the comparison then says what it is). */
function scaled(t: unknown, factor: number): unknown {
  const x = t as Tensor | undefined;
  if (factor === 1 || !x || typeof x !== 'object' || !(x.data instanceof Float64Array)) return t;
  return { shape: x.shape, data: x.data.map((v) => v * factor) };
}

const sos = (p: Params): number => size(p, 'sos', 0);

// ----- the held-out dates, read in the grader -----------------------------------------------------

/** The vocabularies of labs/attention/provided/dates.ts (this file can import nothing): id k is character k. */
const SOURCE_CHARACTERS = '_ ,0123456789ADFJMNOSTWabcdeghilmnoprstuvy';
const TARGET_CHARACTERS = '^0123456789-';
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** The ISO date a sentence of the task writes ("Thursday, April 4, 2024" -> "2024-04-04"), read by the grader. */
export function isoOfSentence(sentence: string): string {
  const words = sentence.split(/[ ,]+/).filter(Boolean);
  const year = words.find((w) => /^\d{4}$/.test(w));
  const day = words.find((w) => /^\d{1,2}$/.test(w));
  const month = MONTHS.findIndex((m) => words.includes(m));
  if (!year || !day || month < 0) throw new Error(`the held-out sentence ${JSON.stringify(sentence)} is not a date of the task`);
  return `${year}-${String(month + 1).padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/**
 * The share of the sentences (src [N, S] ids, mask [N, S] true at the padding) whose
 * translation (tokens [N, 10], the lab's word: checked first) is exactly the date they write.
 */
function exactMatch(tokens: unknown, src: { shape: number[]; data: ArrayLike<number> }, mask: { data: ArrayLike<number> }): number {
  const [N, S] = src.shape;
  const t = tokens as { shape?: unknown; data?: ArrayLike<number> } | undefined;
  const shape = Array.isArray(t?.shape) ? t.shape : undefined;
  if (!shape || shape.length !== 2 || shape[0] !== N || shape[1] !== 10 || t?.data?.length !== N * 10) {
    throw new Error(`translateSentences must return tokens of shape [${N}, 10] (one ISO date of ten characters per sentence), got ${shape ? `[${shape.join(', ')}]` : 'none'}`);
  }
  let right = 0;
  for (let n = 0; n < N; n++) {
    let sentence = '';
    for (let j = 0; j < S && !mask.data[n * S + j]; j++) sentence += SOURCE_CHARACTERS[src.data[n * S + j]];
    const translation = Array.from({ length: 10 }, (_, k) => TARGET_CHARACTERS[t.data![n * 10 + k]] ?? '?').join('');
    if (translation === isoOfSentence(sentence)) right++;
  }
  return right / N;
}

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

const scaledDotProduct: OpDef<Lab> = {
  uses: { forward: ['scaledDotProductForward'], backward: ['scaledDotProductBackward'] },
  generate: drawScaledDotProduct,
  upstream: ['out'],
  forward: (lab, { Q, K, V, mask }) => ({ ...lab.scaledDotProductForward(Q, K, V, mask) }),
  backward: (lab, { Q, K, V, mask }, _p, { out }) => {
    const g = lab.scaledDotProductBackward(Q, K, V, out, mask);
    return { Q: g?.dQ, K: g?.dK, V: g?.dV };
  },
};

export const ops: Ops<Lab> = {
  scaled_dot_product: scaledDotProduct,

  scaled_dot_product_blocked_row: {
    uses: { forward: ['scaledDotProductForward'] },
    generate: drawScaledDotProduct,
    // raised: 1 when the lab threw an Error (what the reference does), 0 when it returned.
    forward: (lab, { Q, K, V, mask }) => {
      try {
        lab.scaledDotProductForward(Q, K, V, mask);
        return { raised: 0 };
      } catch (e) {
        if (!(e instanceof Error) || e.name === 'NotImplementedError') throw e;
        return { raised: 1 };
      }
    },
  },

  causal_mask: {
    uses: { forward: ['causalMask'] },
    generate: () => ({}),
    forward: (lab, _inputs, p) => {
      const mask = lab.causalMask(p.T, p.S);
      return { mask, weights: equalScoreWeights(mask) };
    },
  },

  additive: {
    uses: { forward: ['additiveForward'], backward: ['additiveBackward'] },
    generate: drawAdditive,
    upstream: ['out'],
    forward: (lab, { q, keys, values, W_q, W_k, v }) => ({ ...lab.additiveForward(q, keys, values, { W_q, W_k, v }) }),
    backward: (lab, { q, keys, values, W_q, W_k, v }, _p, { out }) => {
      const g = lab.additiveBackward(q, keys, values, { W_q, W_k, v }, out);
      return { q: g?.dq, keys: g?.dKeys, values: g?.dValues, W_q: g?.dW_q, W_k: g?.dW_k, v: g?.dv };
    },
  },

  attn_decoder_step: {
    uses: { forward: ['attnDecoderStepForward'], backward: ['attnDecoderStepBackward'] },
    generate: drawDecoderStep,
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
    generate: drawDecoderLoss,
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
    generate: drawDecoderGreedy,
    forward: (lab, inputs, p) => ({ ...lab.attnDecoderGreedy(decoderParams(inputs), inputs.enc, inputs.h0, sos(p), size(p, 'steps', 6), inputs.mask) }),
  },

  translate_dates: {
    uses: { forward: ['trainTranslator', 'translateSentences', 'attnDecoderLoss', 'attnDecoderLossBackward', 'attnDecoderGreedy'] },
    forward: (lab, { src, mask }, p) => ({ tokens: lab.translateSentences(lab.trainTranslator(p), src, mask)?.tokens }),
    // In the grader: the dates are read from the source sentences here, never in the student process.
    evaluate: (outputs, { src, mask }) => ({ exact_match: exactMatch(outputs.tokens, src, mask) }),
  },

  multi_head: {
    uses: { forward: ['multiHeadForward'], backward: ['multiHeadBackward'] },
    generate: drawMultiHead,
    upstream: ['out'],
    forward: (lab, inputs, p) => ({ ...lab.multiHeadForward(inputs.x, multiHeadParams(inputs), p.num_heads, inputs.mask) }),
    backward: (lab, inputs, p, { out }) => {
      const g = lab.multiHeadBackward(inputs.x, multiHeadParams(inputs), p.num_heads, out, inputs.mask);
      return { x: g?.dx, in_proj_weight: g?.dInProjWeight, in_proj_bias: g?.dInProjBias, 'out_proj.weight': g?.dOutProjWeight, 'out_proj.bias': g?.dOutProjBias };
    },
  },
};
