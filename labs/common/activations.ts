/**
 * Hidden-layer activations, given to the labs that build networks (backprop, ...), so that a
 * mistake made in the activations lab does not cost points a second time.
 *
 * Each activation is a scalar function `a = f(z)` with its derivative `f'(z)`, both taken at
 * the pre-activation `z`. The tensor forms apply them elementwise:
 *
 *     forward:   a = f(z)
 *     backward:  dL/dz = dL/da * f'(z)
 */
import { Tensor, map, zip } from './tensor';

export type ActivationName = 'relu' | 'tanh' | 'sigmoid';

export interface Activation {
  /** a = f(z) */
  f(z: number): number;
  /** f'(z), the local derivative da/dz */
  df(z: number): number;
}

/** The logistic function, written so that neither branch can overflow. */
function logistic(z: number): number {
  if (z < 0) {
    const e = Math.exp(z);
    return e / (1 + e);
  }
  return 1 / (1 + Math.exp(-z));
}

export const ACTIVATIONS: Readonly<Record<ActivationName, Activation>> = {
  // f(z) = max(0, z); f'(z) = 1 for z > 0, and 0 otherwise (0 at the kink, as PyTorch).
  relu: {
    f: (z) => (z > 0 ? z : 0),
    df: (z) => (z > 0 ? 1 : 0),
  },
  // f(z) = tanh z; f'(z) = 1 - tanh(z)^2.
  tanh: {
    f: (z) => Math.tanh(z),
    df: (z) => 1 - Math.tanh(z) ** 2,
  },
  // f(z) = 1 / (1 + e^-z); f'(z) = f(z) (1 - f(z)).
  sigmoid: {
    f: logistic,
    df: (z) => logistic(z) * (1 - logistic(z)),
  },
};

/** The activation called `name`; throws a readable error for an unknown name. */
export function activation(name: ActivationName): Activation {
  const found = (ACTIVATIONS as Record<string, Activation | undefined>)[name];
  if (!found) throw new Error(`unknown activation "${name}" (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
  return found;
}

/** a = f(z), elementwise; z: any shape. */
export function activationForward(name: ActivationName, z: Tensor): Tensor {
  const { f } = activation(name);
  return map(z, (zi) => f(zi));
}

/** dL/dz = dL/da * f'(z), elementwise; z and da: the same shape. */
export function activationBackward(name: ActivationName, z: Tensor, da: Tensor): Tensor {
  const { df } = activation(name);
  return zip(z, da, (zi, g) => g * df(zi));
}
