/**
 * Provided: multi-head self-attention, forward and backward, as PyTorch's
 * nn.MultiheadAttention(E, H, batch_first=True) used as self-attention (query = key = value = x).
 * You wrote attention in the attention lab; here it is given, so that a bug there does not
 * cost you twice. Read it: your encoder layer calls it.
 *
 *   x: [N, T, E]  ->  out: [N, T, E],  with H heads of size E / H.
 *
 * 1. One projection makes queries, keys and values: [q | k | v] = x W_in^T + b_in, where
 *    W_in is [3E, E] with the q rows first, then the k rows, then the v rows.
 * 2. Head h uses features h*E/H .. (h+1)*E/H of q, k and v:
 *    scores s_ij = q_i . k_j / sqrt(E / H), weights a_ij = softmax over j of s_ij,
 *    context_i = sum_j a_ij v_j.
 * 3. The heads' contexts sit side by side ([N, T, E]) and go through the output projection:
 *    out = context W_out^T + b_out.
 *
 * The mask is [T, T] with 1 (true) where query i may NOT look at key j: a causal mask blocks
 * j > i. A blocked score is -Infinity, so its weight is exactly 0. (A row with every key
 * blocked has no distribution at all, and gives NaN, as in PyTorch.)
 */
import { BoolTensor, Tensor, zeros } from '../../common';
import { linearBackward, linearForward } from './linear';

export interface SelfAttentionParams {
  /** [3E, E]: the query rows, then the key rows, then the value rows (PyTorch's in_proj_weight). */
  inProjWeight: Tensor;
  /** [3E] */
  inProjBias: Tensor;
  /** [E, E] (PyTorch's out_proj.weight) */
  outProjWeight: Tensor;
  /** [E] */
  outProjBias: Tensor;
}

/** Gradients of the loss with respect to x and to each parameter (same shapes). */
export interface SelfAttentionGrads {
  dx: Tensor;
  dInProjWeight: Tensor;
  dInProjBias: Tensor;
  dOutProjWeight: Tensor;
  dOutProjBias: Tensor;
}

/** What the forward pass computes before the output projection; the backward needs it. */
interface Attended {
  /** [N, T, 3E]: q, k, v side by side. */
  qkv: Tensor;
  /** [N, H, T, T]: the attention weights a_ij of every head. */
  weights: Float64Array;
  /** [N, T, E]: every head's context vectors, side by side. */
  context: Tensor;
}

function attend(x: Tensor, p: SelfAttentionParams, numHeads: number, mask: BoolTensor | undefined): Attended {
  const [N, T, E] = x.shape;
  const headSize = E / numHeads;
  if (x.shape.length !== 3 || !Number.isInteger(headSize)) {
    throw new Error(`self-attention: x must be [N, T, E] with E divisible by ${numHeads} heads, got [${x.shape.join(', ')}]`);
  }
  if (mask && (mask.shape[0] !== T || mask.shape[1] !== T)) throw new Error(`self-attention: the mask must be [${T}, ${T}], got [${mask.shape.join(', ')}]`);
  const qkv = linearForward(x, p.inProjWeight, p.inProjBias);
  // Element c of head h's query (part 0), key (part 1) or value (part 2) at position t.
  const at = (n: number, t: number, part: number, h: number, c: number) => qkv.data[(n * T + t) * 3 * E + part * E + h * headSize + c];
  const scale = 1 / Math.sqrt(headSize);
  const weights = new Float64Array(N * numHeads * T * T);
  const context = zeros([N, T, E]);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < numHeads; h++) {
      for (let i = 0; i < T; i++) {
        const row = ((n * numHeads + h) * T + i) * T;
        // s_ij = q_i . k_j / sqrt(E / H); blocked keys get -Infinity
        let max = -Infinity;
        for (let j = 0; j < T; j++) {
          let s = -Infinity;
          if (!mask || mask.data[i * T + j] === 0) {
            s = 0;
            for (let c = 0; c < headSize; c++) s += at(n, i, 0, h, c) * at(n, j, 1, h, c);
            s *= scale;
          }
          weights[row + j] = s;
          max = Math.max(max, s);
        }
        // a_ij = softmax over j (minus the row max, so exp cannot overflow)
        let sum = 0;
        for (let j = 0; j < T; j++) sum += (weights[row + j] = Math.exp(weights[row + j] - max));
        for (let j = 0; j < T; j++) weights[row + j] /= sum;
        // context_i = sum_j a_ij v_j
        for (let c = 0; c < headSize; c++) {
          let acc = 0;
          for (let j = 0; j < T; j++) acc += weights[row + j] * at(n, j, 2, h, c);
          context.data[(n * T + i) * E + h * headSize + c] = acc;
        }
      }
    }
  }
  return { qkv, weights, context };
}

/** out = MultiHead(x, x, x): [N, T, E] -> [N, T, E]. `mask`: [T, T], 1 = blocked. */
export function selfAttentionForward(x: Tensor, p: SelfAttentionParams, numHeads: number, mask?: BoolTensor): Tensor {
  const { context } = attend(x, p, numHeads, mask);
  return linearForward(context, p.outProjWeight, p.outProjBias);
}

/**
 * Backward of selfAttentionForward: given dout = dL/dout ([N, T, E]), the gradients of x and
 * of every parameter. It recomputes the forward pass first.
 */
export function selfAttentionBackward(x: Tensor, p: SelfAttentionParams, numHeads: number, dout: Tensor, mask?: BoolTensor): SelfAttentionGrads {
  const [N, T, E] = x.shape;
  const headSize = E / numHeads;
  const { qkv, weights, context } = attend(x, p, numHeads, mask);
  const outGrads = linearBackward(context, p.outProjWeight, dout);
  const dcontext = outGrads.dx;
  const dqkv = zeros(qkv.shape);
  const index = (n: number, t: number, part: number, h: number, c: number) => (n * T + t) * 3 * E + part * E + h * headSize + c;
  const scale = 1 / Math.sqrt(headSize);
  const dweights = new Float64Array(T);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < numHeads; h++) {
      for (let i = 0; i < T; i++) {
        const row = ((n * numHeads + h) * T + i) * T;
        const dctx = (c: number) => dcontext.data[(n * T + i) * E + h * headSize + c];
        // context_i = sum_j a_ij v_j:  da_ij = dcontext_i . v_j,  dv_j += a_ij dcontext_i
        for (let j = 0; j < T; j++) {
          let acc = 0;
          for (let c = 0; c < headSize; c++) {
            acc += dctx(c) * qkv.data[index(n, j, 2, h, c)];
            dqkv.data[index(n, j, 2, h, c)] += weights[row + j] * dctx(c);
          }
          dweights[j] = acc;
        }
        // softmax:  ds_ij = a_ij (da_ij - sum_k a_ik da_ik)
        let dot = 0;
        for (let j = 0; j < T; j++) dot += weights[row + j] * dweights[j];
        // s_ij = q_i . k_j / sqrt(E / H):  dq_i += ds_ij k_j / sqrt(E / H),  dk_j += ds_ij q_i / sqrt(E / H)
        for (let j = 0; j < T; j++) {
          const ds = weights[row + j] * (dweights[j] - dot) * scale;
          if (ds === 0) continue;
          for (let c = 0; c < headSize; c++) {
            dqkv.data[index(n, i, 0, h, c)] += ds * qkv.data[index(n, j, 1, h, c)];
            dqkv.data[index(n, j, 1, h, c)] += ds * qkv.data[index(n, i, 0, h, c)];
          }
        }
      }
    }
  }
  const inGrads = linearBackward(x, p.inProjWeight, dqkv);
  return { dx: inGrads.dx, dInProjWeight: inGrads.dweight, dInProjBias: inGrads.dbias, dOutProjWeight: outGrads.dweight, dOutProjBias: outGrads.dbias };
}
