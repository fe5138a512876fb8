/**
 * How the transformer grader calls the lab. Op, input, output and gradient names follow
 * ../shared/oracle/transformer.json: parameters go by their PyTorch state_dict names
 * ('self_attn.in_proj_weight', 'block.norm1.weight', ...), gradients by the input they belong
 * to. Ops the oracle has no cases for (feed_forward, causal_mask, cross_entropy, sample_probs,
 * sample_tokens, generate) follow the same conventions.
 *
 * Drawn cases take their sizes from the case's params, with the defaults below.
 */
import type * as CharLm from '../labs/transformer/char_lm';
import type * as Embedding from '../labs/transformer/embedding';
import type * as Encoder from '../labs/transformer/encoder';
import type * as LayerNorm from '../labs/transformer/layer_norm';
import type * as Positions from '../labs/transformer/positions';
import type * as Sampling from '../labs/transformer/sampling';
import type { BoolTensor, Tensor } from '../labs/common';
import { scalarOf, scaled } from './engine/kit';
import type { CaseParams, DrawnInputs, OpCalls, Ops } from './engine/kit';

type Lab = typeof LayerNorm & typeof Positions & typeof Embedding & typeof Encoder & typeof CharLm & typeof Sampling;
type Op = OpCalls<Lab>;
type Inputs = DrawnInputs;

// ----- sizes ----------------------------------------------------------------------------------

const DEFAULTS = { N: 2, T: 4, E: 8, F: 16, V: 7, num_heads: 2, norm_first: false, causal: false, eps: 1e-5 };

/** The oracle's names for some sizes. */
const ALIASES: Partial<Record<keyof typeof DEFAULTS, string>> = { E: 'd_model', F: 'dim_feedforward', V: 'vocab' };

export function num(params: CaseParams, key: keyof typeof DEFAULTS): number {
  const alias = ALIASES[key];
  return Number(params[key] ?? (alias === undefined ? undefined : params[alias]) ?? DEFAULTS[key]);
}

function flag(params: CaseParams, key: 'norm_first' | 'causal'): boolean {
  return Boolean(params[key] ?? DEFAULTS[key]);
}

// ----- calling the lab ----------------------------------------------------------------------------

/** Everything but the named inputs: the parameters, by state_dict name. */
function paramsOf<P>(inputs: Inputs, others: string[]): P {
  return Object.fromEntries(Object.entries(inputs).filter(([k]) => !others.includes(k))) as P;
}

function encoderOptions(params: CaseParams): Encoder.EncoderLayerOptions {
  if ((params.activation ?? 'relu') !== 'relu') throw new Error(`the encoder layer here uses relu, not ${String(params.activation)}`);
  return { numHeads: num(params, 'num_heads'), normFirst: flag(params, 'norm_first'), eps: num(params, 'eps') };
}

/** The oracle gives the mask; drawn causal cases use the student's causalMask(T). */
function encoderMask(lab: Lab, inputs: Inputs, params: CaseParams): BoolTensor | undefined {
  if (inputs.mask) return inputs.mask as BoolTensor;
  return flag(params, 'causal') ? lab.causalMask(inputs.x.shape[1]) : undefined;
}

/** Row t = T-1 of every sequence of logits [N, T, V]: [N, V]. */
function lastPosition(logits: Tensor): Tensor {
  const [N, T, V] = logits.shape;
  const data = new Float64Array(N * V);
  for (let n = 0; n < N; n++) data.set(logits.data.subarray((n * T + T - 1) * V, (n * T + T) * V), n * V);
  return { shape: [N, V], data };
}

const SAMPLE_TEMPERATURES: Array<[string, number]> = [
  ['sample_probs@0.01', 0.01],
  ['sample_probs@1.0', 1.0],
  ['sample_probs@100.0', 100.0],
];

const layerNorm: Op = {
  uses: { forward: ['layerNormForward'], backward: ['layerNormBackward'] },
  inputs: { x: { shape: [2, 3, 6], scale: 2 }, gamma: { shape: [6] }, beta: { shape: [6] } },
  forward: (lab, { x, gamma, beta }, p) => ({ y: lab.layerNormForward(x, gamma, beta, p.eps ?? 1e-5) }),
  backward: (lab, { x, gamma }, p, { y }) => {
    const g = lab.layerNormBackward(x, gamma, y, p.eps ?? 1e-5);
    return { x: g.dx, gamma: g.dgamma, beta: g.dbeta };
  },
};

const positionalEncoding: Op = {
  uses: { forward: ['positionalEncoding'] },
  inputs: {},
  forward: (lab, _inputs, p) => ({ pe: lab.positionalEncoding(p.T, p.d) }),
};

const embedding: Op = {
  uses: { forward: ['embeddingForward'], backward: ['embeddingBackward'] },
  forward: (lab, { weight, ids }) => ({ y: lab.embeddingForward(weight, ids) }),
  backward: (lab, { weight, ids }, _p, { y }) => ({ weight: lab.embeddingBackward(weight, ids, y) }),
};

export const FF_NAMES = ['linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias'];

const feedForward: Op = {
  uses: { forward: ['feedForwardForward'], backward: ['feedForwardBackward'] },
  forward: (lab, inputs) => ({ y: lab.feedForwardForward(inputs.x, paramsOf(inputs, ['x'])) }),
  backward: (lab, inputs, _p, { y }) => {
    const g = lab.feedForwardBackward(inputs.x, paramsOf(inputs, ['x']), y);
    return { x: g.dx, ...g.grads };
  },
};

const causalMask: Op = {
  uses: { forward: ['causalMask'] },
  inputs: {},
  forward: (lab, _inputs, p) => ({ mask: lab.causalMask(p.T) }),
};

const encoderLayer: Op = {
  uses: { forward: ['encoderLayerForward', 'causalMask'], backward: ['encoderLayerBackward', 'causalMask'] },
  upstream: ['y'],
  forward: (lab, inputs, p) => ({ y: lab.encoderLayerForward(inputs.x, paramsOf(inputs, ['x', 'mask']), encoderOptions(p), encoderMask(lab, inputs, p)) }),
  backward: (lab, inputs, p, { y }) => {
    const g = lab.encoderLayerBackward(inputs.x, paramsOf(inputs, ['x', 'mask']), encoderOptions(p), y, encoderMask(lab, inputs, p));
    return { x: g.dx, ...g.grads };
  },
};

const crossEntropy: Op = {
  uses: { forward: ['crossEntropyForward'], backward: ['crossEntropyBackward'] },
  forward: (lab, { logits, targets }) => ({ loss: lab.crossEntropyForward(logits, targets) }),
  backward: (lab, { logits, targets }, _p, { loss }) => ({ logits: scaled(lab.crossEntropyBackward(logits, targets), scalarOf(loss)) }),
};

const charLm: Op = {
  uses: {
    forward: ['charLmForward', 'crossEntropyForward', 'softmaxWithTemperature'],
    backward: ['charLmBackward'],
  },
  upstream: ['loss'],
  forward: (lab, inputs, p) => {
    const logits = lab.charLmForward(paramsOf(inputs, ['ids', 'targets']), inputs.ids, num(p, 'num_heads'));
    const out: Record<string, unknown> = { logits, loss: lab.crossEntropyForward(logits, inputs.targets) };
    const last = lastPosition(logits);
    for (const [name, t] of SAMPLE_TEMPERATURES) out[name] = lab.softmaxWithTemperature(last, t);
    return out;
  },
  backward: (lab, inputs, p, { loss }) => {
    const grads = lab.charLmBackward(paramsOf(inputs, ['ids', 'targets']), inputs.ids, inputs.targets, num(p, 'num_heads')) as Record<string, Tensor>;
    return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, scaled(g, scalarOf(loss))]));
  },
};

const sampleProbs: Op = {
  uses: { forward: ['softmaxWithTemperature'] },
  inputs: { logits: { shape: [4, 9], scale: 3 } },
  forward: (lab, { logits }, p) => ({ probs: lab.softmaxWithTemperature(logits, p.temperature) }),
};

const sampleTokens: Op = {
  uses: { forward: ['softmaxWithTemperature', 'sampleFromProbs'] },
  inputs: { logits: { shape: [12, 6], scale: 2 }, uniforms: { shape: [12], range: [0, 1] } },
  forward: (lab, { logits, uniforms }, p) => ({ tokens: lab.sampleFromProbs(lab.softmaxWithTemperature(logits, p.temperature), uniforms) }),
};

const generate: Op = {
  uses: { forward: ['generate'] },
  forward: (lab, inputs, p) => ({
    tokens: lab.generate(paramsOf(inputs, ['prompt', 'uniforms']), inputs.prompt, inputs.uniforms, {
      numHeads: num(p, 'num_heads'),
      temperature: Number(p.temperature ?? 1),
      contextLength: Number(p.context_length ?? 8),
    }),
  }),
};

export const ops: Ops<Lab> = {
  layer_norm: layerNorm,
  positional_encoding: positionalEncoding,
  embedding,
  feed_forward: feedForward,
  causal_mask: causalMask,
  encoder_layer: encoderLayer,
  cross_entropy: crossEntropy,
  char_lm: charLm,
  sample_probs: sampleProbs,
  sample_tokens: sampleTokens,
  generate,
};
