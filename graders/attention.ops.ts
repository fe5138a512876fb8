/**
 * How the attention grader calls the lab. Op, input and output names follow
 * ../shared/oracle/attention.json:
 * - scaled_dot_product: Q, K, V and an optional bool mask [T, S] -> out, weights;
 * - additive: q, keys, values, W_q, W_k, v -> out, weights;
 * - multi_head (params num_heads): x, in_proj_weight, in_proj_bias, out_proj.weight,
 *   out_proj.bias and an optional mask [T, T] -> out, weights [N, h, T, T].
 * Upstream gradients flow from `out` only; the weights are checked as values. Two ops are the
 * grader's own: causal_mask (the helper alone) and scaled_dot_product_blocked_row (does the lab
 * refuse a query whose keys are all blocked, rather than return NaN?).
 *
 * Rubric cases draw their inputs from a seed with these params: sizes (N, T, S, d_k, d_v for
 * scaled_dot_product; N, S, D_q, D_k, D_v, A for additive; N, T, E for multi_head), `causal: true`
 * (a causal mask, made here so that a wrong causalMask costs only its own item), `mask: random`
 * (every query keeps at least one key and loses at least one), `mask: blocked_row` with `row`
 * (every key blocked for that query) and `offset` (large scores, see drawScaledDotProduct).
 */
import type * as Attention from '../labs/attention/attention';
import type { Rng } from '../labs/common/rng';
import type { OpDef, Ops } from './engine/ops';
import type { Params } from './engine/rubric';
import type { TensorValue, Values } from './engine/values';

type Lab = typeof Attention;

// ----- drawing inputs (runs in the grader only) ----------------------------------------------------

function size(p: Params, name: string, fallback: number): number {
  const v = p[name];
  return typeof v === 'number' ? v : fallback;
}

function normal(rng: Rng, shape: number[], std = 1): TensorValue {
  return { shape, data: rng.normals(shape.reduce((a, b) => a * b, 1), std) };
}

/** Blocked where key j > query i. */
function causal(T: number, S: number): TensorValue {
  const data = new Uint8Array(T * S);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < S; j++) data[i * S + j] = 1;
  return { shape: [T, S], data };
}

/** Every query loses at least one key and keeps at least one, so an inverted mask blocks no query entirely. */
function randomMask(rng: Rng, T: number, S: number): TensorValue {
  const data = new Uint8Array(T * S);
  for (let i = 0; i < T; i++) {
    let blocked = 0;
    for (let j = 0; j < S; j++) blocked += data[i * S + j] = rng.uniform() < 0.4 ? 1 : 0;
    if (blocked === 0) data[i * S + rng.int(S)] = 1;
    if (blocked === S) data[i * S + rng.int(S)] = 0;
  }
  return { shape: [T, S], data };
}

/** A random mask whose query `row` has every key blocked. */
function blockedRowMask(rng: Rng, T: number, S: number, row: number): TensorValue {
  const mask = randomMask(rng, T, S);
  for (let j = 0; j < S; j++) mask.data[row * S + j] = 1;
  return mask;
}

function withMask(inputs: Values, rng: Rng, p: Params, T: number, S: number): Values {
  if (p.causal === true) inputs.mask = causal(T, S);
  else if (p.mask === 'random') inputs.mask = randomMask(rng, T, S);
  else if (p.mask === 'blocked_row') inputs.mask = blockedRowMask(rng, T, S, size(p, 'row', 0));
  else if (p.mask !== undefined) throw new Error(`unknown mask "${String(p.mask)}" (random, blocked_row; or causal: true)`);
  return inputs;
}

/**
 * Q, K, V and maybe a mask. With `offset`, queries and keys share a random unit direction w
 * (Q += 2w, K += offset * w): every score of a query moves by about offset * (2 + q.w) / sqrt(d_k),
 * far beyond exp's range, while the differences between its scores stay of order 1, so the
 * weights are still a real choice rather than one-hot.
 */
function drawScaledDotProduct(rng: Rng, p: Params): Values {
  const [N, T, S, dk, dv] = [size(p, 'N', 2), size(p, 'T', 3), size(p, 'S', 5), size(p, 'd_k', 4), size(p, 'd_v', 3)];
  const Q = normal(rng, [N, T, dk]);
  const K = normal(rng, [N, S, dk]);
  const V = normal(rng, [N, S, dv]);
  const offset = size(p, 'offset', 0);
  if (offset !== 0) {
    const w = rng.normals(dk);
    const norm = Math.hypot(...w);
    for (let i = 0; i < Q.data.length; i++) Q.data[i] += (2 * w[i % dk]) / norm;
    for (let i = 0; i < K.data.length; i++) K.data[i] += (offset * w[i % dk]) / norm;
  }
  return withMask({ Q, K, V }, rng, p, T, S);
}

function drawAdditive(rng: Rng, p: Params): Values {
  const [N, S, Dq, Dk, Dv, A] = [size(p, 'N', 2), size(p, 'S', 5), size(p, 'D_q', 3), size(p, 'D_k', 4), size(p, 'D_v', 2), size(p, 'A', 6)];
  return {
    q: normal(rng, [N, Dq]),
    keys: normal(rng, [N, S, Dk]),
    values: normal(rng, [N, S, Dv]),
    W_q: normal(rng, [A, Dq], 0.5),
    W_k: normal(rng, [A, Dk], 0.5),
    v: normal(rng, [A]),
  };
}

function drawMultiHead(rng: Rng, p: Params): Values {
  const [N, T, E] = [size(p, 'N', 2), size(p, 'T', 4), size(p, 'E', 8)];
  const std = 1 / Math.sqrt(E); // queries and keys of variance about 1, as nn.MultiheadAttention's init
  const inputs: Values = {
    x: normal(rng, [N, T, E]),
    in_proj_weight: normal(rng, [3 * E, E], std),
    in_proj_bias: normal(rng, [3 * E], 0.5),
    'out_proj.weight': normal(rng, [E, E], std),
    'out_proj.bias': normal(rng, [E], 0.5),
  };
  return withMask(inputs, rng, p, T, T);
}

// ----- calling the lab -------------------------------------------------------------------------------

/* eslint-disable @typescript-eslint/no-explicit-any */
function multiHeadParams(inputs: any): Attention.MultiHeadParams {
  return { inProjWeight: inputs.in_proj_weight, inProjBias: inputs.in_proj_bias, outProjWeight: inputs['out_proj.weight'], outProjBias: inputs['out_proj.bias'] };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const scaledDotProduct: OpDef<Lab> = {
  uses: { forward: ['scaledDotProductForward'], backward: ['scaledDotProductBackward'] },
  generate: drawScaledDotProduct,
  upstream: ['out'],
  forward: (lab, { Q, K, V, mask }) => ({ ...lab.scaledDotProductForward(Q, K, V, mask) }),
  backward: (lab, { Q, K, V, mask }, _p, { out }) => {
    const g = lab.scaledDotProductBackward(Q, K, V, out, mask);
    return { Q: g?.dQ, K: g?.dK, V: g?.dV };
  },
};

export const ops: Ops<Lab> = {
  scaled_dot_product: scaledDotProduct,

  scaled_dot_product_blocked_row: {
    uses: { forward: ['scaledDotProductForward'] },
    generate: drawScaledDotProduct,
    // raised: 1 when the lab threw an Error (what the reference does), 0 when it returned.
    forward: (lab, { Q, K, V, mask }) => {
      try {
        lab.scaledDotProductForward(Q, K, V, mask);
        return { raised: 0 };
      } catch (e) {
        if (!(e instanceof Error) || e.name === 'NotImplementedError') throw e;
        return { raised: 1 };
      }
    },
  },

  causal_mask: {
    uses: { forward: ['causalMask'] },
    generate: () => ({}),
    forward: (lab, _inputs, p) => ({ mask: lab.causalMask(p.T, p.S) }),
  },

  additive: {
    uses: { forward: ['additiveForward'], backward: ['additiveBackward'] },
    generate: drawAdditive,
    upstream: ['out'],
    forward: (lab, { q, keys, values, W_q, W_k, v }) => ({ ...lab.additiveForward(q, keys, values, { W_q, W_k, v }) }),
    backward: (lab, { q, keys, values, W_q, W_k, v }, _p, { out }) => {
      const g = lab.additiveBackward(q, keys, values, { W_q, W_k, v }, out);
      return { q: g?.dq, keys: g?.dKeys, values: g?.dValues, W_q: g?.dW_q, W_k: g?.dW_k, v: g?.dv };
    },
  },

  multi_head: {
    uses: { forward: ['multiHeadForward'], backward: ['multiHeadBackward'] },
    generate: drawMultiHead,
    upstream: ['out'],
    forward: (lab, inputs, p) => ({ ...lab.multiHeadForward(inputs.x, multiHeadParams(inputs), p.num_heads, inputs.mask) }),
    backward: (lab, inputs, p, { out }) => {
      const g = lab.multiHeadBackward(inputs.x, multiHeadParams(inputs), p.num_heads, out, inputs.mask);
      return { x: g?.dx, in_proj_weight: g?.dInProjWeight, in_proj_bias: g?.dInProjBias, 'out_proj.weight': g?.dOutProjWeight, 'out_proj.bias': g?.dOutProjBias };
    },
  },
};
