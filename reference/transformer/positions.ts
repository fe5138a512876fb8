/**
 * Sinusoidal positional encoding (Vaswani et al., 2017): the reference solution.
 *
 *   PE[pos, 2i]   = sin(pos / 10000^(2i/d))
 *   PE[pos, 2i+1] = cos(pos / 10000^(2i/d))
 *
 * Sine and cosine of the same frequency sit side by side (interleaved), and the
 * wavelengths grow geometrically from 2 pi to 10000 * 2 pi across the feature pairs.
 */
import { Tensor, zeros } from '../common';

/** PE: [T, d], one row per position 0 .. T-1. */
export function positionalEncoding(T: number, d: number): Tensor {
  const pe = zeros([T, d]);
  for (let pos = 0; pos < T; pos++) {
    for (let i = 0; 2 * i < d; i++) {
      const angle = pos / Math.pow(10000, (2 * i) / d);
      pe.data[pos * d + 2 * i] = Math.sin(angle);
      if (2 * i + 1 < d) pe.data[pos * d + 2 * i + 1] = Math.cos(angle);
    }
  }
  return pe;
}
