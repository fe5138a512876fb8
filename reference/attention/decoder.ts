/**
 * Part 5, the reference solution: the decoder of the lecture's RNN translation model, with the
 * attention that was invented for it (additive attention over the encoder's states).
 *
 * One decoder step, from the previous token y_prev and the previous state h:
 *
 *     context, weights = additive(query = h, keys = values = enc, mask)   [N, H], [N, S]
 *     x      = [emb[y_prev], context]                                     [N, E + H]
 *     h_next = GRUCell(x, h)                                              [N, H]
 *     logits = h_next W_out^T + b_out                                     [N, V]
 *
 * Teacher forcing feeds the true previous character (sos first); greedy decoding feeds back
 * the step's own argmax. Shapes: enc [N, S, H] the encoder's states, mask [N, S] true at the
 * padding, y_prev [N] ids, targets [N, T] ids.
 */
import { BoolTensor, IntTensor, Tensor, zeros } from '../common';
import { additiveBackward, additiveForward } from './attention';
import { GruCellCache, GruParams, gruCellBackward, gruCellForward } from './provided/gru';
import { TrainOptions, TrainedTranslator, Translation, Translator, train, translate } from './provided/translator';

/** The decoder's parameters, or their gradients (same names and shapes). */
export interface AttnDecoderParams {
  /** [V, E]: the embedding of the previous target character */
  emb: Tensor;
  /** [A, H], [A, H], [A]: additive attention, score_j = v . tanh(W_q h + W_k enc_j) */
  W_q: Tensor;
  W_k: Tensor;
  v: Tensor;
  /** [3H, E + H], [3H, H], [3H], [3H]: the GRU cell, gate blocks r, z, n; its input is [emb, context] */
  W_ih: Tensor;
  W_hh: Tensor;
  b_ih: Tensor;
  b_hh: Tensor;
  /** [V, H], [V]: the output layer */
  W_out: Tensor;
  b_out: Tensor;
}

export interface AttnDecoderStepOutput {
  /** [N, V] */
  logits: Tensor;
  /** [N, H] */
  hNext: Tensor;
  /** [N, S]: the attention weights over the source positions */
  weights: Tensor;
}

export interface AttnDecoderStepGrads {
  grads: AttnDecoderParams;
  /** [N, H] */
  dh: Tensor;
  /** [N, S, H] */
  dEnc: Tensor;
}

export interface AttnDecoderLossGrads {
  grads: AttnDecoderParams;
  /** [N, S, H] */
  dEnc: Tensor;
  /** [N, H] */
  dh0: Tensor;
}

export interface AttnDecoderGreedyOutput {
  /** [N, steps]: the argmax of each step, fed back as the next step's input */
  tokens: IntTensor;
  /** [N, steps, V] */
  logits: Tensor;
  /** [N, steps, S] */
  weights: Tensor;
}

// ----- the pieces of a step --------------------------------------------------------------------

function gruParams(p: AttnDecoderParams): GruParams {
  return { W_ih: p.W_ih, W_hh: p.W_hh, b_ih: p.b_ih, b_hh: p.b_hh };
}

/** Row ids[n] of the table: [V, E] -> [N, E]. */
function embed(table: Tensor, ids: IntTensor): Tensor {
  const [V, E] = table.shape;
  const N = ids.shape[0];
  const out = zeros([N, E]);
  for (let n = 0; n < N; n++) {
    const id = ids.data[n];
    if (!(id >= 0 && id < V)) throw new Error(`decoder: token ${id} of batch element ${n} is outside the vocabulary 0 .. ${V - 1}`);
    out.data.set(table.data.subarray(id * E, (id + 1) * E), n * E);
  }
  return out;
}

/** [a | b] row by row: [N, A] and [N, B] -> [N, A + B]. */
function concatColumns(a: Tensor, b: Tensor): Tensor {
  const [N, A] = a.shape;
  const B = b.shape[1];
  const out = zeros([N, A + B]);
  for (let n = 0; n < N; n++) {
    out.data.set(a.data.subarray(n * A, (n + 1) * A), n * (A + B));
    out.data.set(b.data.subarray(n * B, (n + 1) * B), n * (A + B) + A);
  }
  return out;
}

/** Columns from .. from+width-1 of x: [N, C] -> [N, width]. */
function columns(x: Tensor, from: number, width: number): Tensor {
  const [N, C] = x.shape;
  const out = zeros([N, width]);
  for (let n = 0; n < N; n++) out.data.set(x.data.subarray(n * C + from, n * C + from + width), n * width);
  return out;
}

/** y = x W^T + b: x: [N, H], W: [V, H], b: [V] -> [N, V]. */
function linear(x: Tensor, W: Tensor, b: Tensor): Tensor {
  const [N, H] = x.shape;
  const V = W.shape[0];
  const y = zeros([N, V]);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < V; o++) {
      let acc = b.data[o];
      for (let k = 0; k < H; k++) acc += x.data[n * H + k] * W.data[o * H + k];
      y.data[n * V + o] = acc;
    }
  }
  return y;
}

/** acc += t, elementwise: a parameter used at every step gets the sum of their gradients. */
function accumulate(acc: Tensor, t: Tensor): void {
  for (let i = 0; i < acc.data.length; i++) acc.data[i] += t.data[i];
}

function zeroGrads(p: AttnDecoderParams): AttnDecoderParams {
  return {
    emb: zeros(p.emb.shape),
    W_q: zeros(p.W_q.shape),
    W_k: zeros(p.W_k.shape),
    v: zeros(p.v.shape),
    W_ih: zeros(p.W_ih.shape),
    W_hh: zeros(p.W_hh.shape),
    b_ih: zeros(p.b_ih.shape),
    b_hh: zeros(p.b_hh.shape),
    W_out: zeros(p.W_out.shape),
    b_out: zeros(p.b_out.shape),
  };
}

// ----- one step ---------------------------------------------------------------------------------

/** What a step's forward keeps for its backward. */
interface StepCache {
  yPrev: IntTensor;
  h: Tensor;
  enc: Tensor;
  mask?: BoolTensor;
  shared: object;
  hNext: Tensor;
  gru: GruCellCache;
}

/**
 * The step's forward, keeping what its backward needs. shared: what the attention of every step
 * of one sequence shares ({} at its first step): W_k enc_j is the same at every step, so the
 * attention computes it once.
 */
function stepForward(p: AttnDecoderParams, yPrev: IntTensor, h: Tensor, enc: Tensor, shared: object, mask?: BoolTensor): { out: AttnDecoderStepOutput; cache: StepCache } {
  // The query is the previous state h: the decoder looks at the source before it writes.
  const { out: context, weights } = additiveForward(h, enc, enc, { W_q: p.W_q, W_k: p.W_k, v: p.v }, mask, shared);
  const x = concatColumns(embed(p.emb, yPrev), context); // x = [emb[y_prev], context]
  const { hNext, cache } = gruCellForward(x, h, gruParams(p));
  return { out: { logits: linear(hNext, p.W_out, p.b_out), hNext, weights }, cache: { yPrev, h, enc, mask, shared, hNext, gru: cache } };
}

/** The step's backward from its cache, adding its parameter gradients into `grads`; dLogits: [N, V], dhNext: [N, H]. */
function stepBackward(p: AttnDecoderParams, c: StepCache, dLogits: Tensor, dhNext: Tensor, grads: AttnDecoderParams): { dh: Tensor; dEnc: Tensor } {
  const { yPrev, h, enc, mask, hNext } = c;
  const [N, H] = h.shape;
  const E = p.emb.shape[1];
  const V = p.W_out.shape[0];

  // logits = h_next W_out^T + b_out
  const dh1 = zeros([N, H]);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < V; o++) {
      const g = dLogits.data[n * V + o];
      grads.b_out.data[o] += g;
      for (let k = 0; k < H; k++) {
        grads.W_out.data[o * H + k] += g * hNext.data[n * H + k];
        dh1.data[n * H + k] += g * p.W_out.data[o * H + k];
      }
    }
  }
  accumulate(dh1, dhNext); // h_next is an output of the step too

  // h_next = GRUCell([emb[y_prev], context], h)
  const cell = gruCellBackward(dh1, c.gru);
  accumulate(grads.W_ih, cell.grads.W_ih);
  accumulate(grads.W_hh, cell.grads.W_hh);
  accumulate(grads.b_ih, cell.grads.b_ih);
  accumulate(grads.b_hh, cell.grads.b_hh);
  const dEmbedded = columns(cell.dx, 0, E);
  const dContext = columns(cell.dx, E, H);
  for (let n = 0; n < N; n++) {
    const id = yPrev.data[n];
    for (let e = 0; e < E; e++) grads.emb.data[id * E + e] += dEmbedded.data[n * E + e]; // += : a token may repeat
  }

  // context = additive(h, enc, enc)
  const a = additiveBackward(h, enc, enc, { W_q: p.W_q, W_k: p.W_k, v: p.v }, dContext, mask, c.shared);
  accumulate(grads.W_q, a.dW_q);
  accumulate(grads.W_k, a.dW_k);
  accumulate(grads.v, a.dv);
  const dh = cell.dh;
  accumulate(dh, a.dq); // the query path
  const dEnc = a.dKeys;
  accumulate(dEnc, a.dValues); // the keys and the values are both enc
  return { dh, dEnc };
}

/** yPrev: [N] ids, h: [N, H] the previous state, enc: [N, S, H], mask: [N, S] -> logits, hNext, weights. */
export function attnDecoderStepForward(p: AttnDecoderParams, yPrev: IntTensor, h: Tensor, enc: Tensor, mask?: BoolTensor): AttnDecoderStepOutput {
  return stepForward(p, yPrev, h, enc, {}, mask).out;
}

/**
 * dLogits: [N, V] and dhNext: [N, H], the gradients of the step's two outputs -> the gradient of
 * every parameter, of h and of enc. h reaches the output twice, as the attention's query and as
 * the GRU's state, and enc twice, as keys and as values: both gradients are sums.
 */
export function attnDecoderStepBackward(
  p: AttnDecoderParams,
  yPrev: IntTensor,
  h: Tensor,
  enc: Tensor,
  dLogits: Tensor,
  dhNext: Tensor,
  mask?: BoolTensor,
): AttnDecoderStepGrads {
  const grads = zeroGrads(p);
  return { grads, ...stepBackward(p, stepForward(p, yPrev, h, enc, {}, mask).cache, dLogits, dhNext, grads) };
}

// ----- teacher forcing ----------------------------------------------------------------------------

/** The input of step t under teacher forcing: sos at t = 0, else the true previous character targets[:, t-1]. */
function teacherInput(targets: IntTensor, t: number, sos: number): IntTensor {
  const [N, T] = targets.shape;
  const data = new Int32Array(N);
  for (let n = 0; n < N; n++) data[n] = t === 0 ? sos : targets.data[n * T + t - 1];
  return { shape: [N], data };
}

/** Column t of targets: [N, T] -> [N]. */
function targetAt(targets: IntTensor, t: number): Int32Array {
  const [N, T] = targets.shape;
  return Int32Array.from({ length: N }, (_, n) => targets.data[n * T + t]);
}

/** softmax(logits) row by row, stable: [N, V]. */
function softmaxRows(logits: Tensor): Tensor {
  const [N, V] = logits.shape;
  const out = zeros([N, V]);
  for (let n = 0; n < N; n++) {
    let m = -Infinity;
    for (let o = 0; o < V; o++) m = Math.max(m, logits.data[n * V + o]);
    let sum = 0;
    for (let o = 0; o < V; o++) sum += out.data[n * V + o] = Math.exp(logits.data[n * V + o] - m);
    for (let o = 0; o < V; o++) out.data[n * V + o] /= sum;
  }
  return out;
}

/**
 * enc: [N, S, H], h0: [N, H], targets: [N, T] -> loss, the mean over the N*T positions of
 * -log softmax(logits)[target], and the weights [N, T, S] of every step.
 */
export function attnDecoderLoss(p: AttnDecoderParams, enc: Tensor, h0: Tensor, targets: IntTensor, sos: number, mask?: BoolTensor): { loss: number; weights: Tensor } {
  const [N, T] = targets.shape;
  const S = enc.shape[1];
  const V = p.W_out.shape[0];
  const weights = zeros([N, T, S]);
  const shared = {}; // what every step's attention shares
  let h = h0;
  let total = 0;
  for (let t = 0; t < T; t++) {
    const step = stepForward(p, teacherInput(targets, t, sos), h, enc, shared, mask).out;
    const y = targetAt(targets, t);
    for (let n = 0; n < N; n++) {
      // -log softmax(z)[y] = log sum_o e^(z_o - m) - (z_y - m)
      let m = -Infinity;
      for (let o = 0; o < V; o++) m = Math.max(m, step.logits.data[n * V + o]);
      let sum = 0;
      for (let o = 0; o < V; o++) sum += Math.exp(step.logits.data[n * V + o] - m);
      total += Math.log(sum) - (step.logits.data[n * V + y[n]] - m);
      weights.data.set(step.weights.data.subarray(n * S, (n + 1) * S), (n * T + t) * S);
    }
    h = step.hNext;
  }
  return { loss: total / (N * T), weights };
}

/** The gradient of attnDecoderLoss's mean loss with respect to every parameter, enc and h0: backpropagation through the T steps. */
export function attnDecoderLossBackward(p: AttnDecoderParams, enc: Tensor, h0: Tensor, targets: IntTensor, sos: number, mask?: BoolTensor): AttnDecoderLossGrads {
  const [N, T] = targets.shape;
  const V = p.W_out.shape[0];
  // forward, keeping each step's cache and logits
  const caches: StepCache[] = [];
  const logits: Tensor[] = [];
  const shared = {}; // what every step's attention shares
  let h = h0;
  for (let t = 0; t < T; t++) {
    const step = stepForward(p, teacherInput(targets, t, sos), h, enc, shared, mask);
    caches.push(step.cache);
    logits.push(step.out.logits);
    h = step.out.hNext;
  }
  // backward, from the last step to the first
  const grads = zeroGrads(p);
  const dEnc = zeros(enc.shape);
  let dh = zeros(h0.shape); // what flows back into h_t from the steps after t
  for (let t = T - 1; t >= 0; t--) {
    const dLogits = softmaxRows(logits[t]); // d(mean loss)/dlogits = (softmax - onehot) / (N T)
    const y = targetAt(targets, t);
    for (let n = 0; n < N; n++) {
      dLogits.data[n * V + y[n]] -= 1;
      for (let o = 0; o < V; o++) dLogits.data[n * V + o] /= N * T;
    }
    const g = stepBackward(p, caches[t], dLogits, dh, grads); // the parameters' gradients add up over the steps
    accumulate(dEnc, g.dEnc); // every step attends to the same enc
    dh = g.dh;
  }
  return { grads, dEnc, dh0: dh };
}

// ----- greedy decoding --------------------------------------------------------------------------

/** Index of the largest logit of row n (the first one on a tie). */
function argmaxRow(logits: Tensor, n: number): number {
  const V = logits.shape[1];
  let best = 0;
  for (let o = 1; o < V; o++) if (logits.data[n * V + o] > logits.data[n * V + best]) best = o;
  return best;
}

/** From h0 and sos, `steps` steps, each fed the previous step's argmax -> tokens [N, steps], logits [N, steps, V], weights [N, steps, S]. */
export function attnDecoderGreedy(p: AttnDecoderParams, enc: Tensor, h0: Tensor, sos: number, steps: number, mask?: BoolTensor): AttnDecoderGreedyOutput {
  const [N, S] = enc.shape;
  const V = p.W_out.shape[0];
  const tokens = new Int32Array(N * steps);
  const logits = zeros([N, steps, V]);
  const weights = zeros([N, steps, S]);
  let yPrev: IntTensor = { shape: [N], data: new Int32Array(N).fill(sos) };
  const shared = {}; // what every step's attention shares
  let h = h0;
  for (let t = 0; t < steps; t++) {
    const step = stepForward(p, yPrev, h, enc, shared, mask).out;
    const next = new Int32Array(N);
    for (let n = 0; n < N; n++) {
      next[n] = tokens[n * steps + t] = argmaxRow(step.logits, n);
      logits.data.set(step.logits.data.subarray(n * V, (n + 1) * V), (n * steps + t) * V);
      weights.data.set(step.weights.data.subarray(n * S, (n + 1) * S), (n * steps + t) * S);
    }
    yPrev = { shape: [N], data: next }; // feed back the model's own choice
    h = step.hNext;
  }
  return { tokens: { shape: [N, steps], data: tokens }, logits, weights };
}

// ----- given: the date translator, trained and run with your functions ---------------------------

/** Trains the translator of README Part 5 (the given encoder and your decoder) with your loss and its gradients. */
export function trainTranslator(options: TrainOptions): TrainedTranslator<AttnDecoderParams> {
  return train({ loss: attnDecoderLoss, lossBackward: attnDecoderLossBackward }, options);
}

/** Translates source sentences (ids [N, S], padding mask [N, S]) with the given encoder and your greedy decoding. */
export function translateSentences(model: Translator<AttnDecoderParams>, src: IntTensor, mask: BoolTensor): Translation {
  return translate(attnDecoderGreedy, model, src, mask);
}
