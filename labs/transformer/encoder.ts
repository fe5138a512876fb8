/**
 * Lab 5, part 4: the position-wise feed-forward block and the transformer encoder layer,
 * post-norm and pre-norm, with an optional attention mask, forward and backward. It must
 * match PyTorch's nn.TransformerEncoderLayer(E, H, F, dropout=0, activation='relu',
 * batch_first=True, norm_first=...). Parameters and gradients are named as its state_dict
 * (./provided/params.ts).
 *
 *   post-norm (normFirst false, the 2017 paper):  h = LN1(x + SA(x)),   y = LN2(h + FF(h))
 *   pre-norm  (normFirst true, GPT-2 and after):  h = x + SA(LN1(x)),   y = h + FF(LN2(h))
 *
 * SA is the provided multi-head self-attention (./provided/attention.ts), LN1 and LN2 your
 * layer norm with norm1.* and norm2.*, and FF(x) = linear2(relu(linear1(x))).
 * x, y: [N, T, E].
 *
 * Provided helpers: linearForward/linearBackward (./provided/linear.ts), selfAttentionForward/
 * selfAttentionBackward (./provided/attention.ts), attentionParams/attentionGrads
 * (./provided/params.ts) to pass your parameters to it and name its gradients.
 */
import { BoolTensor, Tensor, notImplemented } from '../common';
import { EncoderLayerParams, FeedForwardParams } from './provided/params';

// ----- the position-wise feed-forward block: FF(x) = W2 relu(W1 x + b1) + b2 -----------------

export interface FeedForwardGrads {
  /** [..., E] */
  dx: Tensor;
  /** 'linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias' */
  grads: FeedForwardParams;
}

/** x: [..., E] -> [..., E], through a hidden layer of width F, each position on its own. */
export function feedForwardForward(x: Tensor, p: FeedForwardParams): Tensor {
  // TODO
  return notImplemented('feedForwardForward');
}

/** Given dout = dL/dFF(x): dx and the four parameter gradients. relu'(z) = 1 for z > 0, else 0. */
export function feedForwardBackward(x: Tensor, p: FeedForwardParams, dout: Tensor): FeedForwardGrads {
  // TODO
  return notImplemented('feedForwardBackward');
}

// ----- the causal mask ---------------------------------------------------------------------------

/**
 * [T, T] with 1 (true: blocked) where query i must not see key j: the future, j > i.
 * A position may see itself. Return { shape: [T, T], data: Uint8Array }.
 */
export function causalMask(T: number): BoolTensor {
  // TODO
  return notImplemented('causalMask');
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
  /** One gradient per parameter, by the same state_dict name (all twelve). */
  grads: EncoderLayerParams;
}

/** y = EncoderLayer(x): [N, T, E] -> [N, T, E]. `mask`: [T, T], 1 = blocked, or undefined. */
export function encoderLayerForward(x: Tensor, p: EncoderLayerParams, options: EncoderLayerOptions, mask?: BoolTensor): Tensor {
  // TODO
  return notImplemented('encoderLayerForward');
}

/**
 * Given dout = dL/dy: dx and every parameter's gradient. Recompute the forward's intermediate
 * values, then go back through them in reverse. A residual sum a + b passes its gradient to
 * both a and b unchanged; where one value feeds two paths, its two gradients add.
 */
export function encoderLayerBackward(x: Tensor, p: EncoderLayerParams, options: EncoderLayerOptions, dout: Tensor, mask?: BoolTensor): EncoderLayerGrads {
  // TODO
  return notImplemented('encoderLayerBackward');
}
