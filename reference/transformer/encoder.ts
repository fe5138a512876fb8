/**
 * The position-wise feed-forward block and the transformer encoder layer, post-norm and
 * pre-norm, with an optional attention mask: the reference solution. It matches PyTorch's
 * nn.TransformerEncoderLayer(E, H, F, dropout=0, activation='relu', batch_first=True,
 * norm_first=...). Parameters and their gradients are named as its state_dict.
 *
 *   post-norm (norm_first = false, the 2017 paper):  h = LN1(x + SA(x)),     y = LN2(h + FF(h))
 *   pre-norm  (norm_first = true, GPT-2 and after):  h = x + SA(LN1(x)),     y = h + FF(LN2(h))
 *
 * with SA the provided multi-head self-attention and FF(x) = W2 relu(W1 x + b1) + b2.
 * x, y: [N, T, E].
 */
import { BoolTensor, Tensor, map, zip } from '../common';
import { LayerNormGrads, layerNormBackward, layerNormForward } from './layer_norm';
import { SelfAttentionGrads, selfAttentionBackward, selfAttentionForward } from './provided/attention';
import { linearBackward, linearForward } from './provided/linear';
import { EncoderLayerParams, FeedForwardParams, attentionGrads, attentionParams } from './provided/params';

const add = (a: Tensor, b: Tensor): Tensor => zip(a, b, (u, v) => u + v);

// ----- the position-wise feed-forward block: FF(x) = W2 relu(W1 x + b1) + b2 -----------------

export interface FeedForwardGrads {
  /** [..., E] */
  dx: Tensor;
  grads: FeedForwardParams;
}

/** x: [..., E] -> [..., E], through a hidden layer of width F, each position on its own. */
export function feedForwardForward(x: Tensor, p: FeedForwardParams): Tensor {
  const hidden = relu(linearForward(x, p['linear1.weight'], p['linear1.bias']));
  return linearForward(hidden, p['linear2.weight'], p['linear2.bias']);
}

function relu(z: Tensor): Tensor {
  return map(z, (v) => (v > 0 ? v : 0));
}

/** Back through the second linear layer, the ReLU (relu'(z) = 1 for z > 0, else 0), the first. */
export function feedForwardBackward(x: Tensor, p: FeedForwardParams, dout: Tensor): FeedForwardGrads {
  const pre = linearForward(x, p['linear1.weight'], p['linear1.bias']);
  const second = linearBackward(relu(pre), p['linear2.weight'], dout);
  const dpre = zip(pre, second.dx, (z, g) => (z > 0 ? g : 0));
  const first = linearBackward(x, p['linear1.weight'], dpre);
  return {
    dx: first.dx,
    grads: { 'linear1.weight': first.dweight, 'linear1.bias': first.dbias, 'linear2.weight': second.dweight, 'linear2.bias': second.dbias },
  };
}

// ----- the causal mask ---------------------------------------------------------------------------

/** [T, T], 1 (blocked) where key j is in query i's future, j > i; a position may see itself. */
export function causalMask(T: number): BoolTensor {
  const data = new Uint8Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) data[i * T + j] = j > i ? 1 : 0;
  return { shape: [T, T], data };
}

// ----- the encoder layer -----------------------------------------------------------------------

export interface EncoderLayerOptions {
  numHeads: number;
  /** true: pre-norm, LN before each sublayer; false: post-norm, LN after each residual sum. */
  normFirst: boolean;
  /** Layer norm's eps (default 1e-5). */
  eps?: number;
}

export interface EncoderLayerGrads {
  /** [N, T, E] */
  dx: Tensor;
  /** One gradient per parameter, by the same state_dict name. */
  grads: EncoderLayerParams;
}

/** y = EncoderLayer(x): [N, T, E] -> [N, T, E]. `mask`: [T, T], 1 = blocked, or none. */
export function encoderLayerForward(x: Tensor, p: EncoderLayerParams, options: EncoderLayerOptions, mask?: BoolTensor): Tensor {
  const eps = options.eps ?? 1e-5;
  const attention = (input: Tensor) => selfAttentionForward(input, attentionParams(p), options.numHeads, mask);
  const norm1 = (input: Tensor) => layerNormForward(input, p['norm1.weight'], p['norm1.bias'], eps);
  const norm2 = (input: Tensor) => layerNormForward(input, p['norm2.weight'], p['norm2.bias'], eps);
  if (options.normFirst) {
    // pre-norm: h = x + SA(LN1(x)),  y = h + FF(LN2(h))
    const h = add(x, attention(norm1(x)));
    return add(h, feedForwardForward(norm2(h), p));
  }
  // post-norm: h = LN1(x + SA(x)),  y = LN2(h + FF(h))
  const h = norm1(add(x, attention(x)));
  return norm2(add(h, feedForwardForward(h, p)));
}

function layerGrads(sa: SelfAttentionGrads, ff: FeedForwardGrads, n1: LayerNormGrads, n2: LayerNormGrads): EncoderLayerParams {
  return { ...attentionGrads(sa), ...ff.grads, 'norm1.weight': n1.dgamma, 'norm1.bias': n1.dbeta, 'norm2.weight': n2.dgamma, 'norm2.bias': n2.dbeta };
}

/**
 * Backward of encoderLayerForward, given dout = dL/dy: recompute the forward's intermediate
 * values, then go back through it in reverse. A residual sum a + b passes its gradient to
 * both a and b unchanged; where a value feeds two paths, its gradients add.
 */
export function encoderLayerBackward(x: Tensor, p: EncoderLayerParams, options: EncoderLayerOptions, dout: Tensor, mask?: BoolTensor): EncoderLayerGrads {
  const eps = options.eps ?? 1e-5;
  const attn = attentionParams(p);
  const heads = options.numHeads;
  if (options.normFirst) {
    // forward again, pre-norm: a = LN1(x), h = x + SA(a), b = LN2(h), y = h + FF(b)
    const a = layerNormForward(x, p['norm1.weight'], p['norm1.bias'], eps);
    const h = add(x, selfAttentionForward(a, attn, heads, mask));
    const b = layerNormForward(h, p['norm2.weight'], p['norm2.bias'], eps);
    // y = h + FF(LN2(h)): h gets dout through the residual and through FF and LN2
    const ff = feedForwardBackward(b, p, dout);
    const n2 = layerNormBackward(h, p['norm2.weight'], ff.dx, eps);
    const dh = add(dout, n2.dx);
    // h = x + SA(LN1(x)): the same for x
    const sa = selfAttentionBackward(a, attn, heads, dh, mask);
    const n1 = layerNormBackward(x, p['norm1.weight'], sa.dx, eps);
    return { dx: add(dh, n1.dx), grads: layerGrads(sa, ff, n1, n2) };
  }
  // forward again, post-norm: s = x + SA(x), h = LN1(s), t = h + FF(h), y = LN2(t)
  const s = add(x, selfAttentionForward(x, attn, heads, mask));
  const h = layerNormForward(s, p['norm1.weight'], p['norm1.bias'], eps);
  const t = add(h, feedForwardForward(h, p));
  // y = LN2(t), t = h + FF(h): h gets dt through the residual and through FF
  const n2 = layerNormBackward(t, p['norm2.weight'], dout, eps);
  const ff = feedForwardBackward(h, p, n2.dx);
  const dh = add(n2.dx, ff.dx);
  // h = LN1(s), s = x + SA(x): x gets ds through the residual and through SA
  const n1 = layerNormBackward(s, p['norm1.weight'], dh, eps);
  const sa = selfAttentionBackward(x, attn, heads, n1.dx, mask);
  return { dx: add(n1.dx, sa.dx), grads: layerGrads(sa, ff, n1, n2) };
}
