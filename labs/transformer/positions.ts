/**
 * Lab 5, part 2: sinusoidal positional encoding (Vaswani et al., 2017).
 *
 *   PE[pos, 2i]   = sin(pos / 10000^(2i/d))
 *   PE[pos, 2i+1] = cos(pos / 10000^(2i/d))
 *
 * Sine and cosine of the same frequency sit side by side (interleaved: sin, cos, sin, cos,
 * ...), not all the sines and then all the cosines. Column pair i uses the exponent 2i/d.
 */
import { Tensor, notImplemented } from '../common';

/** PE: [T, d], one row per position 0 .. T-1. (If d is odd, the last column is a sine.) */
export function positionalEncoding(T: number, d: number): Tensor {
  // TODO
  return notImplemented('positionalEncoding');
}
