/**
 * Given code for Part 5 (not graded, no need to change it): the date translator put together
 * and trained. The given encoder (./gru.ts) reads the source sentence; your decoder writes the
 * ISO date. A training step draws a fresh batch of training days (./dates.ts), runs the
 * encoder, your teacher-forced loss and its gradients, the encoder's backward when the encoder
 * is trained too, and one Adam step on every parameter.
 *
 * ./translator-weights.json is a translator the reference trained on all three formats
 * (scripts/labs/attention-train.ts): `npm run translate` runs your decoder with its weights,
 * and the grader's training run starts from its encoder (`encoder: 'given'`, kept fixed).
 *
 * Fresh weights follow PyTorch's defaults: embeddings N(0, 1), every other weight and bias
 * uniform in +-1/sqrt(H) (+-1/sqrt(A) for v).
 */
import { BoolTensor, IntTensor, Rng, Tensor, zeros } from '../../common';
import { FORMATS, SOS, SOURCE_VOCAB, TARGET_LENGTH, TARGET_VOCAB, decodeTargets, drawDates, makeBatch } from './dates';
import { EncoderParams, encoderBackward, encoderForward } from './gru';

export const DECODER_PARAM_NAMES = ['emb', 'W_q', 'W_k', 'v', 'W_ih', 'W_hh', 'b_ih', 'b_hh', 'W_out', 'b_out'] as const;
export const ENCODER_PARAM_NAMES = ['emb', 'W_ih', 'W_hh', 'b_ih', 'b_hh'] as const;
/** The decoder's parameters by name (the AttnDecoderParams of decoder.ts). */
export type DecoderParams = Record<(typeof DECODER_PARAM_NAMES)[number], Tensor>;

/** The sizes of a translator. */
export interface TranslatorConfig {
  /** Source character embedding. */
  sourceEmbedding: number;
  /** Target character embedding (E). */
  embedding: number;
  /** Encoder and decoder state (H). */
  hidden: number;
  /** Additive attention's hidden features (A). */
  attention: number;
}

export interface TrainOptions extends TranslatorConfig {
  steps: number;
  batchSize: number;
  /** Adam's learning rate at the first step; it decays linearly to a tenth of it at the last. */
  learningRate: number;
  /** Seeds the fresh weights and the training batches. */
  seed: number;
  /** 'given': the trained encoder of translator-weights.json, kept fixed; 'new' (default): a fresh encoder, trained too. */
  encoder?: 'given' | 'new';
  /** The date formats trained on (default: all three). */
  formats?: number[];
  /** Record the batch loss every this many steps (default 25; 0 never). */
  lossEvery?: number;
  /**
   * Called with (0, steps) when training begins and again once the weights are made, then after
   * each step (1 to steps): a progress bar, or the grader's watch on a training run that stopped
   * making progress.
   */
  onProgress?: (done: number, steps: number) => void;
}

/** A translator's weights: the encoder's and the decoder's. */
export interface Translator<P = DecoderParams> {
  encoder: EncoderParams;
  decoder: P;
}

export interface TrainedTranslator<P = DecoderParams> extends Translator<P> {
  config: TranslatorConfig;
  /** [step, the batch's loss before that step's update], every `lossEvery` steps. */
  losses: Array<[number, number]>;
}

/** Your loss and its gradients, as the trainer calls them. */
export interface DecoderLoss<P> {
  loss(p: P, enc: Tensor, h0: Tensor, targets: IntTensor, sos: number, mask?: BoolTensor): { loss: number };
  lossBackward(p: P, enc: Tensor, h0: Tensor, targets: IntTensor, sos: number, mask?: BoolTensor): { grads: P; dEnc: Tensor; dh0: Tensor };
}

/** Your greedy decoding, as translate calls it. */
export type GreedyDecoding<P> = (p: P, enc: Tensor, h0: Tensor, sos: number, steps: number, mask?: BoolTensor) => { tokens: IntTensor; logits: Tensor; weights: Tensor };

/** A batch translated: the ISO texts, and what your greedy decoding returned. */
export interface Translation {
  texts: string[];
  tokens: IntTensor;
  logits: Tensor;
  weights: Tensor;
}

// ----- the shipped weights ------------------------------------------------------------------------

export const WEIGHTS_FORMAT = 'gradecheck/translator-weights';
export const WEIGHTS_VERSION = 1;

/** A trained translator as stored in a JSON file: tensors are {shape, data: number[]}. */
export interface TranslatorWeights {
  config: TranslatorConfig;
  /** How it was trained: options, steps, accuracy. */
  training: Record<string, unknown>;
  encoder: EncoderParams;
  decoder: DecoderParams;
}

type JsonTensor = { shape: number[]; data: number[] };

function expectedShapes(c: TranslatorConfig): { encoder: Record<string, number[]>; decoder: Record<string, number[]> } {
  const { sourceEmbedding: Es, embedding: E, hidden: H, attention: A } = c;
  const V = TARGET_VOCAB.length;
  return {
    encoder: { emb: [SOURCE_VOCAB.length, Es], W_ih: [3 * H, Es], W_hh: [3 * H, H], b_ih: [3 * H], b_hh: [3 * H] },
    decoder: { emb: [V, E], W_q: [A, H], W_k: [A, H], v: [A], W_ih: [3 * H, E + H], W_hh: [3 * H, H], b_ih: [3 * H], b_hh: [3 * H], W_out: [V, H], b_out: [V] },
  };
}

function tensorFrom(raw: JsonTensor | undefined, shape: number[], where: string): Tensor {
  if (!raw || !Array.isArray(raw.shape) || !Array.isArray(raw.data)) throw new Error(`${where}: missing, or not a {shape, data} tensor`);
  if (raw.shape.length !== shape.length || raw.shape.some((d, i) => d !== shape[i])) throw new Error(`${where}: shape [${raw.shape.join(', ')}], expected [${shape.join(', ')}]`);
  if (raw.data.length !== shape.reduce((a, b) => a * b, 1) || !raw.data.every(Number.isFinite)) throw new Error(`${where}: needs ${shape.reduce((a, b) => a * b, 1)} finite numbers`);
  return { shape, data: Float64Array.from(raw.data) };
}

/** Reads and checks a translator weights file's content; `file` names it in errors. */
export function weightsFromJson(raw: unknown, file: string): TranslatorWeights {
  const r = raw as { format?: unknown; version?: unknown; config?: TranslatorConfig; training?: Record<string, unknown>; encoder?: Record<string, JsonTensor>; decoder?: Record<string, JsonTensor> };
  if (r?.format !== WEIGHTS_FORMAT || r.version !== WEIGHTS_VERSION) throw new Error(`${file} is not a ${WEIGHTS_FORMAT} file of version ${WEIGHTS_VERSION}`);
  if (!r.config || !r.encoder || !r.decoder) throw new Error(`${file} lacks its config, encoder or decoder`);
  const shapes = expectedShapes(r.config);
  const encoder = Object.fromEntries(ENCODER_PARAM_NAMES.map((k) => [k, tensorFrom(r.encoder![k], shapes.encoder[k], `${file}: encoder.${k}`)])) as unknown as EncoderParams;
  const decoder = Object.fromEntries(DECODER_PARAM_NAMES.map((k) => [k, tensorFrom(r.decoder![k], shapes.decoder[k], `${file}: decoder.${k}`)])) as DecoderParams;
  return { config: r.config, training: r.training ?? {}, encoder, decoder };
}

/** A translator as the JSON of a weights file. */
export function weightsToJson(w: TranslatorWeights): unknown {
  const plain = (params: object) => Object.fromEntries(Object.entries(params as Record<string, Tensor>).map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data) }]));
  return { format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION, config: w.config, training: w.training, encoder: plain(w.encoder), decoder: plain(w.decoder) };
}

let given: TranslatorWeights | undefined;

/** The translator of ./translator-weights.json (read once). */
export function givenTranslator(): TranslatorWeights {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  given ??= weightsFromJson(require('./translator-weights.json'), 'labs/attention/provided/translator-weights.json');
  return given;
}

// ----- fresh weights, Adam -----------------------------------------------------------------------

function uniform(rng: Rng, shape: number[], bound: number): Tensor {
  const t = zeros(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = bound * (2 * rng.uniform() - 1);
  return t;
}

function normal(rng: Rng, shape: number[]): Tensor {
  return { shape, data: rng.normals(shape.reduce((a, b) => a * b, 1)) };
}

export function freshTranslator(config: TranslatorConfig, rng: Rng): { encoder: EncoderParams; decoder: DecoderParams } {
  const { sourceEmbedding: Es, embedding: E, hidden: H, attention: A } = config;
  const V = TARGET_VOCAB.length;
  const k = 1 / Math.sqrt(H);
  const encoder: EncoderParams = { emb: normal(rng, [SOURCE_VOCAB.length, Es]), W_ih: uniform(rng, [3 * H, Es], k), W_hh: uniform(rng, [3 * H, H], k), b_ih: uniform(rng, [3 * H], k), b_hh: uniform(rng, [3 * H], k) };
  encoder.emb.data.fill(0, 0, Es); // the padding's embedding (PyTorch's padding_idx)
  const decoder: DecoderParams = {
    emb: normal(rng, [V, E]),
    W_q: uniform(rng, [A, H], k),
    W_k: uniform(rng, [A, H], k),
    v: uniform(rng, [A], 1 / Math.sqrt(A)),
    W_ih: uniform(rng, [3 * H, E + H], k),
    W_hh: uniform(rng, [3 * H, H], k),
    b_ih: uniform(rng, [3 * H], k),
    b_hh: uniform(rng, [3 * H], k),
    W_out: uniform(rng, [V, H], k),
    b_out: uniform(rng, [V], k),
  };
  return { encoder, decoder };
}

/** Adam (beta1 0.9, beta2 0.999, eps 1e-8) for a set of parameters, updated in place. */
class Adam {
  private t = 0;
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];

  constructor(private readonly params: Tensor[]) {
    this.m = params.map((p) => new Float64Array(p.data.length));
    this.v = params.map((p) => new Float64Array(p.data.length));
  }

  step(grads: Tensor[], lr: number): void {
    this.t++;
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    const [c1, c2] = [1 - b1 ** this.t, 1 - b2 ** this.t];
    this.params.forEach((p, k) => {
      const [w, g, m, v] = [p.data, grads[k].data, this.m[k], this.v[k]];
      for (let i = 0; i < w.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    });
  }
}

/** The gradient your lossBackward returned for `name`, checked: present and shaped like its parameter. */
function checkedGradient(grads: Partial<DecoderParams> | undefined, name: string, param: Tensor): Tensor {
  const g = grads?.[name as keyof DecoderParams];
  if (!g || !g.data || !g.shape) throw new Error(`trainTranslator: attnDecoderLossBackward returned no gradient "${name}"`);
  if (g.data.length !== param.data.length) throw new Error(`trainTranslator: the gradient "${name}" has shape [${g.shape.join(', ')}], its parameter [${param.shape.join(', ')}]`);
  return g;
}

// ----- training and translating ------------------------------------------------------------------

/**
 * Trains a translator: `steps` Adam steps on batches of training days, in the given formats,
 * from fresh decoder weights (and a fresh encoder, or the given one). The same options give
 * the same weights on every computer.
 */
export function train<P>(decoderLoss: DecoderLoss<P>, options: TrainOptions): TrainedTranslator<P> {
  options.onProgress?.(0, options.steps);
  const rng = new Rng(options.seed);
  const config: TranslatorConfig = { sourceEmbedding: options.sourceEmbedding, embedding: options.embedding, hidden: options.hidden, attention: options.attention };
  const fresh = freshTranslator(config, rng);
  const frozen = options.encoder === 'given';
  if (frozen && (givenTranslator().config.hidden !== config.hidden || givenTranslator().config.sourceEmbedding !== config.sourceEmbedding)) {
    const g = givenTranslator().config;
    throw new Error(`trainTranslator: the given encoder has hidden ${g.hidden} and sourceEmbedding ${g.sourceEmbedding}; the options say ${config.hidden} and ${config.sourceEmbedding}`);
  }
  const encoder = frozen ? givenTranslator().encoder : fresh.encoder;
  const decoder = fresh.decoder;
  const encoderAdam = frozen ? undefined : new Adam(ENCODER_PARAM_NAMES.map((k) => encoder[k]));
  const decoderAdam = new Adam(DECODER_PARAM_NAMES.map((k) => decoder[k]));
  options.onProgress?.(0, options.steps);
  const dec = decoder as unknown as P;
  const lossEvery = options.lossEvery ?? 25;
  const losses: Array<[number, number]> = [];
  const formats = options.formats ?? FORMATS.map((_, f) => f);
  for (let step = 0; step < options.steps; step++) {
    // One format per batch, in turn: the sentences of a batch have similar lengths, so little of it is padding.
    const batch = makeBatch(drawDates(rng, options.batchSize, { heldOut: false, formats: [formats[step % formats.length]] }));
    const { enc, hLast, cache } = encoderForward(encoder, batch.src, batch.mask);
    if (lossEvery > 0 && step % lossEvery === 0) losses.push([step, decoderLoss.loss(dec, enc, hLast, batch.targets, SOS, batch.mask).loss]);
    const g = decoderLoss.lossBackward(dec, enc, hLast, batch.targets, SOS, batch.mask);
    if (!g || !g.dEnc || !g.dh0) throw new Error('trainTranslator: attnDecoderLossBackward must return { grads, dEnc, dh0 }');
    const lr = options.learningRate * (1 - (0.9 * step) / options.steps);
    const grads = g.grads as unknown as Partial<DecoderParams>;
    decoderAdam.step(DECODER_PARAM_NAMES.map((k) => checkedGradient(grads, k, decoder[k])), lr);
    if (encoderAdam) {
      const encGrads = encoderBackward(encoder, g.dEnc, g.dh0, cache);
      encoderAdam.step(ENCODER_PARAM_NAMES.map((k) => encGrads[k]), lr);
    }
    options.onProgress?.(step + 1, options.steps);
  }
  return { config, encoder, decoder: dec, losses };
}

/** Translates a batch of source sentences: the encoder, then your greedy decoding for ten steps. */
export function translate<P>(greedy: GreedyDecoding<P>, model: Translator<P>, src: IntTensor, mask: BoolTensor): Translation {
  const { enc, hLast } = encoderForward(model.encoder, src, mask);
  const out = greedy(model.decoder, enc, hLast, SOS, TARGET_LENGTH, mask);
  const N = src.shape[0];
  if (!out || !out.tokens || !out.tokens.data || out.tokens.data.length !== N * TARGET_LENGTH) {
    throw new Error(`translate: attnDecoderGreedy must return tokens [${N}, ${TARGET_LENGTH}], one id per sentence and step`);
  }
  return { texts: decodeTargets(out.tokens), tokens: out.tokens, logits: out.logits, weights: out.weights };
}
