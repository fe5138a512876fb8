/**
 * Provided: parameter names. They are PyTorch's `state_dict` names (nn.TransformerEncoderLayer,
 * and the char LM's modules `tok`, `block`, `ln_f`, `head`), so weights move between this lab
 * and PyTorch unchanged. A gradient record uses the same names as the parameters it belongs to.
 *
 * Shapes, for model width E, feed-forward width F and vocabulary size V:
 *   self_attn.in_proj_weight [3E, E]   self_attn.in_proj_bias [3E]
 *   self_attn.out_proj.weight [E, E]   self_attn.out_proj.bias [E]
 *   linear1.weight [F, E]   linear1.bias [F]   linear2.weight [E, F]   linear2.bias [E]
 *   norm1.weight, norm1.bias, norm2.weight, norm2.bias [E]
 *   tok.weight [V, E]   ln_f.weight, ln_f.bias [E]   head.weight [V, E]   head.bias [V]
 */
import type { Tensor } from '../../common';
import type { SelfAttentionGrads, SelfAttentionParams } from './attention';

export const ENCODER_LAYER_PARAM_NAMES = [
  'self_attn.in_proj_weight',
  'self_attn.in_proj_bias',
  'self_attn.out_proj.weight',
  'self_attn.out_proj.bias',
  'linear1.weight',
  'linear1.bias',
  'linear2.weight',
  'linear2.bias',
  'norm1.weight',
  'norm1.bias',
  'norm2.weight',
  'norm2.bias',
] as const;

export type EncoderLayerParamName = (typeof ENCODER_LAYER_PARAM_NAMES)[number];

/** An encoder layer's parameters, or their gradients, by state_dict name. */
export type EncoderLayerParams = Record<EncoderLayerParamName, Tensor>;

/** The feed-forward block's part of them. */
export type FeedForwardParams = Pick<EncoderLayerParams, 'linear1.weight' | 'linear1.bias' | 'linear2.weight' | 'linear2.bias'>;

/** The self-attention part of them. */
export type AttentionParamName = 'self_attn.in_proj_weight' | 'self_attn.in_proj_bias' | 'self_attn.out_proj.weight' | 'self_attn.out_proj.bias';

export type BlockParamName = `block.${EncoderLayerParamName}`;

export type CharLmParamName = 'tok.weight' | BlockParamName | 'ln_f.weight' | 'ln_f.bias' | 'head.weight' | 'head.bias';

/** The char LM's parameters, or their gradients, by state_dict name. */
export type CharLmParams = Record<CharLmParamName, Tensor>;

export const CHAR_LM_PARAM_NAMES: readonly CharLmParamName[] = [
  'tok.weight',
  ...ENCODER_LAYER_PARAM_NAMES.map((name): BlockParamName => `block.${name}`),
  'ln_f.weight',
  'ln_f.bias',
  'head.weight',
  'head.bias',
];

/** What the provided self-attention takes, from an encoder layer's parameters. */
export function attentionParams(p: EncoderLayerParams): SelfAttentionParams {
  return {
    inProjWeight: p['self_attn.in_proj_weight'],
    inProjBias: p['self_attn.in_proj_bias'],
    outProjWeight: p['self_attn.out_proj.weight'],
    outProjBias: p['self_attn.out_proj.bias'],
  };
}

/** The provided self-attention's parameter gradients, by state_dict name. */
export function attentionGrads(g: SelfAttentionGrads): Pick<EncoderLayerParams, AttentionParamName> {
  return {
    'self_attn.in_proj_weight': g.dInProjWeight,
    'self_attn.in_proj_bias': g.dInProjBias,
    'self_attn.out_proj.weight': g.dOutProjWeight,
    'self_attn.out_proj.bias': g.dOutProjBias,
  };
}

/** The char LM's `block.*` entries as an encoder layer's parameters (the prefix removed). */
export function blockParams(p: CharLmParams): EncoderLayerParams {
  return Object.fromEntries(ENCODER_LAYER_PARAM_NAMES.map((name) => [name, p[`block.${name}`]])) as EncoderLayerParams;
}

/** An encoder layer's parameters (or gradients) named as the char LM's block: `block.` added. */
export function asBlockParams(p: EncoderLayerParams): Record<BlockParamName, Tensor> {
  return Object.fromEntries(ENCODER_LAYER_PARAM_NAMES.map((name) => [`block.${name}`, p[name]])) as Record<BlockParamName, Tensor>;
}
