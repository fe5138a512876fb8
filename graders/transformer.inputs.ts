/**
 * The grader side of the transformer lab's ops (graders/transformer.ops.ts has the calls):
 * drawing the inputs of the ops that need more than input specs, sized by the case's params
 * (defaults in the ops file).
 */
import type { Rng } from '../labs/common/rng';
import { FF_NAMES, num } from './transformer.ops';
import { ints, normal } from './engine/kit';
import type { GraderInputs } from './engine/kit';
import type { TensorValue } from './engine/core/values';

/** Encoder-layer parameters scaled like a trained layer's: 1/sqrt(fan_in) weights, norms near 1. */
function drawLayer(rng: Rng, E: number, F: number, prefix = ''): Record<string, TensorValue> {
  return {
    [`${prefix}self_attn.in_proj_weight`]: normal(rng, [3 * E, E], 1 / Math.sqrt(E)),
    [`${prefix}self_attn.in_proj_bias`]: normal(rng, [3 * E], 0.1),
    [`${prefix}self_attn.out_proj.weight`]: normal(rng, [E, E], 1 / Math.sqrt(E)),
    [`${prefix}self_attn.out_proj.bias`]: normal(rng, [E], 0.1),
    [`${prefix}linear1.weight`]: normal(rng, [F, E], 1 / Math.sqrt(E)),
    [`${prefix}linear1.bias`]: normal(rng, [F], 0.1),
    [`${prefix}linear2.weight`]: normal(rng, [E, F], 1 / Math.sqrt(F)),
    [`${prefix}linear2.bias`]: normal(rng, [E], 0.1),
    [`${prefix}norm1.weight`]: normal(rng, [E], 0.2, 1),
    [`${prefix}norm1.bias`]: normal(rng, [E], 0.1),
    [`${prefix}norm2.weight`]: normal(rng, [E], 0.2, 1),
    [`${prefix}norm2.bias`]: normal(rng, [E], 0.1),
  };
}

/** A char LM's parameters; the head is scaled so that the model has opinions (logits of spread ~2). */
function drawLm(rng: Rng, V: number, E: number, F: number): Record<string, TensorValue> {
  return {
    'tok.weight': normal(rng, [V, E]),
    ...drawLayer(rng, E, F, 'block.'),
    'ln_f.weight': normal(rng, [E], 0.2, 1),
    'ln_f.bias': normal(rng, [E], 0.1),
    'head.weight': normal(rng, [V, E], 2 / Math.sqrt(E)),
    'head.bias': normal(rng, [V], 0.5),
  };
}

export const inputs: GraderInputs = {
  embedding: {
    generate: (rng, p) => ({ weight: normal(rng, [num(p, 'V'), num(p, 'E')]), ids: ints(rng, [num(p, 'N'), num(p, 'T')], num(p, 'V')) }),
  },
  feed_forward: {
    generate: (rng, p) => {
      const [E, F] = [num(p, 'E'), num(p, 'F')];
      const layer = drawLayer(rng, E, F);
      return { x: normal(rng, [num(p, 'N'), num(p, 'T'), E]), ...Object.fromEntries(FF_NAMES.map((k) => [k, layer[k]])) };
    },
  },
  encoder_layer: {
    generate: (rng, p) => ({ x: normal(rng, [num(p, 'N'), num(p, 'T'), num(p, 'E')]), ...drawLayer(rng, num(p, 'E'), num(p, 'F')) }),
  },
  cross_entropy: {
    generate: (rng, p) => ({ logits: normal(rng, [num(p, 'N'), num(p, 'T'), num(p, 'V')], 2), targets: ints(rng, [num(p, 'N'), num(p, 'T')], num(p, 'V')) }),
  },
  char_lm: {
    generate: (rng, p) => {
      const [N, T, V] = [num(p, 'N'), num(p, 'T'), num(p, 'V')];
      return { ids: ints(rng, [N, T], V), targets: ints(rng, [N, T], V), ...drawLm(rng, V, num(p, 'E'), num(p, 'F')) };
    },
  },
  generate: {
    generate: (rng, p) => {
      const V = num(p, 'V');
      const model = drawLm(rng, V, num(p, 'E'), num(p, 'F'));
      const prompt = ints(rng, [Number(p.prompt_length ?? 3)], V);
      const n = Number(p.length ?? 10);
      const uniforms: TensorValue = { shape: [n], data: Float64Array.from({ length: n }, () => rng.uniform()) };
      return { ...model, prompt, uniforms };
    },
  },
};
