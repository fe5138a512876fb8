/**
 * Batched layers with PyTorch's layout: the reference solution.
 *
 * A batch of N vectors is [N, D]; a linear layer's weight is W: [out, in] and y = x W^T + b.
 * A backward function gets what its forward got and the upstream gradient (`dout = dL/dy`,
 * or `dloss = dL/dloss` for a loss), and returns the gradients of the forward's inputs.
 */
import { IntTensor, Tensor, matmul, transpose, zeros, zerosLike } from '../common';

// ----- linear layer: y = x W^T + b ------------------------------------------------------------

/** x: [N, in], W: [out, in], b: [out]  ->  y: [N, out] */
export function linearForward(x: Tensor, W: Tensor, b: Tensor): Tensor {
  const y = matmul(x, transpose(W));
  const [N, out] = y.shape;
  for (let n = 0; n < N; n++) for (let j = 0; j < out; j++) y.data[n * out + j] += b.data[j];
  return y;
}

export interface LinearGrads {
  /** dL/dx: [N, in] */
  dx: Tensor;
  /** dL/dW: [out, in] */
  dW: Tensor;
  /** dL/db: [out] */
  db: Tensor;
}

/** dx = dout W,  dW = dout^T x,  db = sum over the batch of dout;  dout: [N, out] */
export function linearBackward(x: Tensor, W: Tensor, dout: Tensor): LinearGrads {
  const dx = matmul(dout, W);
  const dW = matmul(transpose(dout), x);
  const [N, out] = dout.shape;
  const db = zeros([out]);
  // Every example of the batch used the same b, so their gradients add up.
  for (let n = 0; n < N; n++) for (let j = 0; j < out; j++) db.data[j] += dout.data[n * out + j];
  return { dx, dW, db };
}

// ----- mean squared error: loss = mean over every element of (y - t)^2 ----------------------

/** y, t: the same shape  ->  a number */
export function mseForward(y: Tensor, t: Tensor): number {
  let sum = 0;
  for (let i = 0; i < y.data.length; i++) sum += (y.data[i] - t.data[i]) ** 2;
  return sum / y.data.length;
}

/** dL/dy = dloss * 2 (y - t) / (number of elements) */
export function mseBackward(y: Tensor, t: Tensor, dloss = 1): Tensor {
  const dy = zerosLike(y);
  for (let i = 0; i < y.data.length; i++) dy.data[i] = (dloss * 2 * (y.data[i] - t.data[i])) / y.data.length;
  return dy;
}

// ----- softmax cross-entropy: loss = mean over the batch of -log softmax(logits)[n, target_n] --

/** log sum_j e^(row_j), computed as m + log sum_j e^(row_j - m) with m the row's max (no overflow). */
function logSumExp(logits: Tensor, n: number): number {
  const C = logits.shape[1];
  let m = -Infinity;
  for (let j = 0; j < C; j++) m = Math.max(m, logits.data[n * C + j]);
  let sum = 0;
  for (let j = 0; j < C; j++) sum += Math.exp(logits.data[n * C + j] - m);
  return m + Math.log(sum);
}

/** logits: [N, C], targets: [N] class ids  ->  a number; -log softmax = logSumExp - logit of the target */
export function crossEntropyForward(logits: Tensor, targets: IntTensor): number {
  const [N, C] = logits.shape;
  let total = 0;
  for (let n = 0; n < N; n++) total += logSumExp(logits, n) - logits.data[n * C + targets.data[n]];
  return total / N;
}

/** dL/dlogits = dloss * (softmax(logits) - onehot(targets)) / N */
export function crossEntropyBackward(logits: Tensor, targets: IntTensor, dloss = 1): Tensor {
  const [N, C] = logits.shape;
  const dlogits = zerosLike(logits);
  for (let n = 0; n < N; n++) {
    const lse = logSumExp(logits, n);
    for (let j = 0; j < C; j++) {
      const p = Math.exp(logits.data[n * C + j] - lse);
      const onehot = j === targets.data[n] ? 1 : 0;
      dlogits.data[n * C + j] = (dloss * (p - onehot)) / N;
    }
  }
  return dlogits;
}
