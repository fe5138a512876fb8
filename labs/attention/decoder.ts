/**
 * Lab: attention, Part 5: the decoder of the lecture's RNN translation model, with the
 * attention that was invented for it: additive attention over the encoder's states.
 *
 * One decoder step, from the previous token y_prev and the previous state h:
 *
 *     context, weights = additive(query = h, keys = values = enc, mask)   [N, H], [N, S]
 *     x      = [emb[y_prev], context]                                     [N, E + H]
 *     h_next = GRUCell(x, h)                                              [N, H]
 *     logits = h_next W_out^T + b_out                                     [N, V]
 *
 * Shapes: N sentences, S source positions, H state features, E embedding features, A the
 * attention's hidden features, V target characters, T target positions. enc: [N, S, H] are
 * the encoder's states; mask: [N, S] is true (1) at the padding of the source sentences, which
 * attention must not look at (optional: undefined = no padding); y_prev: [N] and targets:
 * [N, T] are IntTensors of character ids.
 *
 * Given: ./provided/gru.ts (gruCellForward, gruCellBackward: PyTorch's GRUCell, gate order
 * r, z, n), your additiveForward and additiveBackward of Part 2 (./attention.ts; they take the
 * padding mask as their last argument), ../common. README.md, Part 5, explains the math.
 * Return new tensors: never change an input in place.
 */
import { BoolTensor, IntTensor, Tensor, notImplemented } from '../common';
// What you will need: your Part 2 attention and the given GRU cell.
import { additiveBackward, additiveForward } from './attention';
import { gruCellBackward, gruCellForward } from './provided/gru';
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

// ----- one step ---------------------------------------------------------------------------------

/**
 * yPrev: [N] ids, h: [N, H] the previous state, enc: [N, S, H], mask: [N, S] or undefined
 * -> logits: [N, V], hNext: [N, H], weights: [N, S].
 * The attention's query is the PREVIOUS state h: the decoder looks at the source, then writes.
 */
export function attnDecoderStepForward(p: AttnDecoderParams, yPrev: IntTensor, h: Tensor, enc: Tensor, mask?: BoolTensor): AttnDecoderStepOutput {
  // TODO
  return notImplemented('attnDecoderStepForward');
}

/**
 * dLogits: [N, V] and dhNext: [N, H] are the gradients of the step's two outputs -> the gradient
 * of every parameter (named as in AttnDecoderParams), dh: [N, H] and dEnc: [N, S, H].
 * Hint: recompute the forward; h is used twice (query and GRU state), enc twice (keys and values).
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
  // TODO
  return notImplemented('attnDecoderStepBackward');
}

// ----- teacher forcing ----------------------------------------------------------------------------

/**
 * Teacher forcing from h0 for T = targets.shape[1] steps: step t is fed sos at t = 0 and the
 * TRUE previous character targets[:, t-1] after. loss = the mean over the N*T positions of
 * -log softmax(logits)[target] (a number); weights: [N, T, S], every step's weights.
 */
export function attnDecoderLoss(p: AttnDecoderParams, enc: Tensor, h0: Tensor, targets: IntTensor, sos: number, mask?: BoolTensor): { loss: number; weights: Tensor } {
  // TODO
  return notImplemented('attnDecoderLoss');
}

/**
 * The gradient of attnDecoderLoss's mean loss with respect to every parameter, enc: [N, S, H]
 * and h0: [N, H]. Backpropagation through the T steps: run the forward keeping each step's
 * input state, then your attnDecoderStepBackward from the last step to the first, carrying dh.
 */
export function attnDecoderLossBackward(p: AttnDecoderParams, enc: Tensor, h0: Tensor, targets: IntTensor, sos: number, mask?: BoolTensor): AttnDecoderLossGrads {
  // TODO
  return notImplemented('attnDecoderLossBackward');
}

// ----- greedy decoding --------------------------------------------------------------------------

/**
 * From h0 and sos, `steps` steps, each fed the previous step's argmax (the first largest logit
 * on a tie) -> tokens: [N, steps] (an IntTensor), logits: [N, steps, V], weights: [N, steps, S].
 */
export function attnDecoderGreedy(p: AttnDecoderParams, enc: Tensor, h0: Tensor, sos: number, steps: number, mask?: BoolTensor): AttnDecoderGreedyOutput {
  // TODO
  return notImplemented('attnDecoderGreedy');
}

// ----- given: the date translator, trained and run with your functions ---------------------------
// (Leave these two: the grader's translation item and `npm run translate` call them.)

/** Trains the translator of README Part 5 (the given encoder and your decoder) with your loss and its gradients. */
export function trainTranslator(options: TrainOptions): TrainedTranslator<AttnDecoderParams> {
  return train({ loss: attnDecoderLoss, lossBackward: attnDecoderLossBackward }, options);
}

/** Translates source sentences (ids [N, S], padding mask [N, S]) with the given encoder and your greedy decoding. */
export function translateSentences(model: Translator<AttnDecoderParams>, src: IntTensor, mask: BoolTensor): Translation {
  return translate(attnDecoderGreedy, model, src, mask);
}
