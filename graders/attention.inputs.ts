/**
 * The grader side of the attention lab's ops (graders/attention.ops.ts has the calls): drawing
 * each op's inputs from a case's seed and params, and `translate_dates`'s evaluate, which reads
 * the date each held-out sentence writes and adds `exact_match`, the share of translations equal
 * to it (the lab never sees those dates).
 *
 * Rubric cases draw their inputs with these params: sizes (N, T, S, d_k, d_v for
 * scaled_dot_product; N, S, D_q, D_k, D_v, A for additive; N, T, E for multi_head), `causal: true`
 * (a causal mask, made here so that a wrong causalMask costs only its own item), `mask: random`
 * (every query keeps at least one key and loses at least one), `mask: blocked_row` with `row`
 * (every key blocked for that query) and `offset` (large scores, see drawScaledDotProduct).
 */
import { MONTHS, SOURCE_VOCAB, TARGET_VOCAB } from '../labs/attention/provided/dates';
import type { Rng } from '../labs/common/rng';
import { size } from './attention.ops';
import { ints, normal } from './engine/kit';
import type { CaseParams, GraderInputs } from './engine/kit';
import type { TensorValue, Values } from './engine/core/values';

// ----- drawing inputs ---------------------------------------------------------------------------

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

function withMask(inputs: Values, rng: Rng, p: CaseParams, T: number, S: number): Values {
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
function drawScaledDotProduct(rng: Rng, p: CaseParams): Values {
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

function drawAdditive(rng: Rng, p: CaseParams): Values {
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

function drawMultiHead(rng: Rng, p: CaseParams): Values {
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
function drawDecoder(rng: Rng, p: CaseParams): Values {
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

function drawDecoderStep(rng: Rng, p: CaseParams): Values {
  const inputs = drawDecoder(rng, p);
  const [N, H, V] = [size(p, 'N', 2), size(p, 'H', 4), size(p, 'V', 7)];
  return { ...inputs, h: normal(rng, [N, H], 0.7), y_prev: ints(rng, [N], V) };
}

/** targets never hold the start token 0, as a real target sentence would not. */
function drawDecoderLoss(rng: Rng, p: CaseParams): Values {
  const inputs = drawDecoder(rng, p);
  const [N, H, V, T] = [size(p, 'N', 2), size(p, 'H', 4), size(p, 'V', 7), size(p, 'T', 4)];
  const targets = ints(rng, [N, T], V - 1);
  for (let i = 0; i < targets.data.length; i++) targets.data[i] += 1;
  return { ...inputs, h0: normal(rng, [N, H], 0.7), targets };
}

function drawDecoderGreedy(rng: Rng, p: CaseParams): Values {
  const inputs = drawDecoder(rng, p);
  return { ...inputs, h0: normal(rng, [size(p, 'N', 2), size(p, 'H', 4)], 0.7) };
}

// ----- the held-out dates ----------------------------------------------------------------------

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
    for (let j = 0; j < S && !mask.data[n * S + j]; j++) sentence += SOURCE_VOCAB[src.data[n * S + j]];
    const translation = Array.from({ length: 10 }, (_, k) => TARGET_VOCAB[t.data![n * 10 + k]] ?? '?').join('');
    if (translation === isoOfSentence(sentence)) right++;
  }
  return right / N;
}

export const inputs: GraderInputs = {
  scaled_dot_product: { generate: drawScaledDotProduct },
  causal_mask: { generate: () => ({}) },
  additive: { generate: drawAdditive },
  attn_decoder_step: { generate: drawDecoderStep },
  attn_decoder_loss: { generate: drawDecoderLoss },
  attn_decoder_greedy: { generate: drawDecoderGreedy },
  // the dates are read from the source sentences here, never in the student process
  translate_dates: { evaluate: (outputs, { src, mask }) => ({ exact_match: exactMatch(outputs.tokens, src, mask) }) },
  multi_head: { generate: drawMultiHead },
};
