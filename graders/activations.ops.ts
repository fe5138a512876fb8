/**
 * How the activations grader calls the lab. Op names, input and output names follow
 * ../shared/oracle/activations.json: forward returns {y}, backward gets upstream {y} and
 * returns the gradient of the input ({x}, or {logits} for the temperature softmax).
 */
import type * as Activations from '../labs/activations/activations';
import { op } from './engine/kit';
import type { OpCalls, Ops } from './engine/kit';

type Lab = typeof Activations;

/** An elementwise activation with forward(x) and backward(x, dout). */
function elementwise(forward: keyof Lab & `${string}Forward`, backward: keyof Lab & `${string}Backward`): OpCalls<Lab> {
  return op<Lab, { x: { shape: [4, 6]; scale: 3 } }>({
    uses: { forward: [forward], backward: [backward] },
    inputs: { x: { shape: [4, 6], scale: 3 } },
    forward: (lab, { x }) => ({ y: (lab[forward] as (x: unknown) => unknown)(x) }),
    backward: (lab, { x }, _params, { y }) => ({ x: (lab[backward] as (x: unknown, d: unknown) => unknown)(x, y) }),
  });
}

export const ops: Ops<Lab> = {
  sigmoid: elementwise('sigmoidForward', 'sigmoidBackward'),
  tanh: elementwise('tanhForward', 'tanhBackward'),
  relu: elementwise('reluForward', 'reluBackward'),
  gelu: elementwise('geluForward', 'geluBackward'),
  softmax: elementwise('softmaxForward', 'softmaxBackward'),
  log_softmax: elementwise('logSoftmaxForward', 'logSoftmaxBackward'),
  leaky_relu: op({
    uses: { forward: ['leakyReluForward'], backward: ['leakyReluBackward'] },
    inputs: { x: { shape: [4, 6], scale: 3 } },
    forward: (lab, { x }, p) => ({ y: lab.leakyReluForward(x, p.negative_slope ?? 0.01) }),
    backward: (lab, { x }, p, { y }) => ({ x: lab.leakyReluBackward(x, y, p.negative_slope ?? 0.01) }),
  }),
  softmax_temperature: op({
    uses: { forward: ['softmaxTemperatureForward'], backward: ['softmaxTemperatureBackward'] },
    inputs: { logits: { shape: [3, 7], scale: 3 } },
    forward: (lab, { logits }, p) => ({ y: lab.softmaxTemperatureForward(logits, p.temperature) }),
    backward: (lab, { logits }, p, { y }) => ({ logits: lab.softmaxTemperatureBackward(logits, y, p.temperature) }),
  }),
};
