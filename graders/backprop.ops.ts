/**
 * How the backprop grader calls the lab. Op names, input and output names follow
 * ../shared/oracle/backprop.json:
 *
 * - `graph` (the oracle's format): params.nodes in topological order, inputs the leaf values;
 *   forward returns {values: {node: value}}, backward {nodes: {node: dL/dnode}} with L the
 *   output node (no upstream gradient: backward() seeds the output with 1). A constant's
 *   gradient is reported as 0, as PyTorch does not track it.
 * - `expression` (the rubric's graphs): the graph is the input `graph` (drawn from a seed by
 *   `generate`, or a fixture), the leaves are numeric inputs named after their nodes. Forward
 *   returns {output, values}; backward returns dL/dnode for every node, named after the node,
 *   where L = upstream * output. backward() seeds the output with 1, and the chain rule is
 *   linear in that seed, so every gradient is the student's times the upstream number. Leaf
 *   gradients are named like the leaf inputs, so finite differences can check them too.
 * - `expression_zero_grad`: the same, but backward runs backward(), zeroGrad(), backward().
 * - layers: `linear`, `mse`, `cross_entropy`; the network: `mlp_cross_entropy`, `sgd_step`,
 *   `sgd_steps` (the oracle's 5-step run: losses and final parameters).
 * - `train_steps`: the training procedure, step by step: the loss of each step (`losses`) and
 *   the change each step made to each parameter (`update.W1`, ...: [steps, ...shape]).
 * - `train_classifier`: a seeded toy set and initialisation, and the student's `train`; returns
 *   the trained parameters and the student's losses. Its `evaluate`, in the grader, adds the
 *   accuracy of the trained parameters on a held-out set drawn there from params.heldout_seed
 *   (`heldout_accuracy`) and on the training set (`accuracy`), both computed with this file's
 *   forward, never the student's mlpForward. The student process never sees held-out data.
 * Parameters are copied into the lab's Mlp, since training updates them in place.
 */
import type { Tensor } from '../labs/common';
import type { ActivationName } from '../labs/common/activations';
import type * as Engine from '../labs/backprop/engine';
import type * as Layers from '../labs/backprop/layers';
import type * as MlpLab from '../labs/backprop/mlp';
import { copy, op, scalarOf } from './engine/kit';
import type { OpCalls, Ops } from './engine/kit';

type Lab = typeof Engine & typeof Layers & typeof MlpLab;
type Value = Engine.Value;

// ----- expression graphs ------------------------------------------------------------------------

export interface GraphNode {
  id: string;
  op: string;
  args?: string[];
  /** const nodes */
  value?: number;
  /** pow nodes */
  exponent?: number;
}

export interface Graph {
  nodes: GraphNode[];
  output: string;
}

export const BINARY = ['add', 'sub', 'mul', 'div'] as const;
export const UNARY = ['neg', 'exp', 'log', 'tanh', 'relu', 'sigmoid'] as const;
type BinaryOp = (typeof BINARY)[number];
type UnaryOp = (typeof UNARY)[number];

/** Builds the graph with the lab's Value class, node by node; returns every node by id. */
function buildGraph(lab: Lab, graph: Graph, leaves: Record<string, unknown>): Map<string, Value> {
  const built = new Map<string, Value>();
  const arg = (node: GraphNode, k: number): Value => {
    const v = built.get(node.args?.[k] ?? '');
    if (!v) throw new Error(`graph node "${node.id}": argument ${k} (${node.args?.[k]}) is not an earlier node`);
    return v;
  };
  for (const node of graph.nodes) {
    let v: Value;
    if (node.op === 'leaf') v = new lab.Value(scalarOf(leaves[node.id]));
    else if (node.op === 'const') v = new lab.Value(scalarOf(node.value));
    else if (node.op === 'pow') v = arg(node, 0).pow(scalarOf(node.exponent));
    else if ((BINARY as readonly string[]).includes(node.op)) v = arg(node, 0)[node.op as BinaryOp](arg(node, 1));
    else if ((UNARY as readonly string[]).includes(node.op)) v = arg(node, 0)[node.op as UnaryOp]();
    else throw new Error(`graph node "${node.id}": unknown op "${node.op}"`);
    built.set(node.id, v);
  }
  if (!built.has(graph.output)) throw new Error(`the graph has no output node "${graph.output}"`);
  return built;
}

function valuesOf(built: Map<string, Value>): Record<string, number> {
  return Object.fromEntries([...built].map(([id, v]) => [id, v.data]));
}

/** dL/dnode for every node; a constant's is reported as 0, as PyTorch does not track it. */
function gradsOf(graph: Graph, built: Map<string, Value>, scale: number): Record<string, number> {
  return Object.fromEntries(graph.nodes.map((n) => [n.id, n.op === 'const' ? 0 : scale * built.get(n.id)!.grad]));
}

function expressionOp(twice: boolean): OpCalls<Lab> {
  return {
    uses: { forward: ['Value'], backward: ['Value'] },
    upstream: ['output'],
    forward: (lab, inputs) => {
      const built = buildGraph(lab, inputs.graph, inputs);
      return { output: built.get(inputs.graph.output)!.data, values: valuesOf(built) };
    },
    backward: (lab, inputs, _params, upstream) => {
      const built = buildGraph(lab, inputs.graph, inputs);
      const out = built.get(inputs.graph.output)!;
      out.backward();
      if (twice) {
        out.zeroGrad();
        out.backward();
      }
      return gradsOf(inputs.graph, built, scalarOf(upstream.output));
    },
  };
}

// ----- the network ------------------------------------------------------------------------------

function zerosLike(t: Tensor): Tensor {
  return { shape: [...t.shape], data: new Float64Array(t.data.length) };
}

/** The lab's Mlp from input tensors (copied: training changes them in place), gradients zero. */
function mlpOf(inputs: Record<string, Tensor>, activation: ActivationName, grads?: Record<string, Tensor>): MlpLab.Mlp {
  const param = (name: string) => ({ data: copy(inputs[name]), grad: grads ? copy(grads[`d${name}`]) : zerosLike(inputs[name]) });
  return { W1: param('W1'), b1: param('b1'), W2: param('W2'), b2: param('b2'), activation };
}

function parameters(mlp: MlpLab.Mlp): Record<string, Tensor> {
  return { W1: mlp.W1.data, b1: mlp.b1.data, W2: mlp.W2.data, b2: mlp.b2.data };
}

const MLP_INPUTS = {
  x: { shape: ['N', 'D'] },
  W1: { shape: ['H', 'D'], scale: 0.5 },
  b1: { shape: ['H'], scale: 0.1 },
  W2: { shape: ['C', 'H'], scale: 0.5 },
  b2: { shape: ['C'], scale: 0.1 },
  targets: { shape: ['N'], dtype: 'int', range: [0, 'C'] },
} as const;

export const PARAMETER_NAMES = ['W1', 'b1', 'W2', 'b2'] as const;
export type Weights = Record<(typeof PARAMETER_NAMES)[number], Tensor>;

/**
 * Copies of the parameters train() left in the Mlp, each checked against its initial shape
 * (train may replace a parameter's tensor, not change its shape).
 */
export function trainedWeights(mlp: MlpLab.Mlp, initial: Record<string, Tensor>): Weights {
  const out = {} as Weights;
  for (const name of PARAMETER_NAMES) {
    const t = mlp[name]?.data;
    const want = initial[name].shape;
    const size = initial[name].data.length;
    if (!t || !Array.isArray(t.shape) || t.shape.join() !== want.join() || t.data?.length !== size) {
      const got = t && Array.isArray(t.shape) ? `shape [${t.shape.join(', ')}] with ${t.data?.length} values` : JSON.stringify(t)?.slice(0, 60);
      throw new Error(`after train(), mlp.${name}.data should be a tensor of shape [${want.join(', ')}] (${size} values), got ${got}`);
    }
    out[name] = copy(t);
  }
  return out;
}

export const ops: Ops<Lab> = {
  // ----- the engine -----
  graph: {
    uses: { forward: ['Value'], backward: ['Value'] },
    forward: (lab, inputs, p) => ({ values: valuesOf(buildGraph(lab, p as Graph, inputs)) }),
    backward: (lab, inputs, p) => {
      const built = buildGraph(lab, p as Graph, inputs);
      built.get(p.output)!.backward();
      return { nodes: gradsOf(p as Graph, built, 1) };
    },
  },
  expression: expressionOp(false),
  expression_zero_grad: expressionOp(true),

  // ----- layers -----
  linear: {
    uses: { forward: ['linearForward'], backward: ['linearBackward'] },
    inputs: { x: { shape: [5, 4] }, W: { shape: [3, 4] }, b: { shape: [3] } },
    forward: (lab, { x, W, b }) => ({ y: lab.linearForward(x, W, b) }),
    backward: (lab, { x, W }, _p, { y }) => {
      const g = lab.linearBackward(x, W, y);
      return { x: g.dx, W: g.dW, b: g.db };
    },
  },
  mse: {
    uses: { forward: ['mseForward'], backward: ['mseBackward'] },
    inputs: { y: { shape: [4, 3] }, t: { shape: [4, 3] } },
    upstream: ['loss'],
    forward: (lab, { y, t }) => ({ loss: lab.mseForward(y, t) }),
    // (y - t)^2 is symmetric in y and t, so dL/dt is mseBackward with the two swapped.
    backward: (lab, { y, t }, _p, { loss }) => ({ y: lab.mseBackward(y, t, scalarOf(loss)), t: lab.mseBackward(t, y, scalarOf(loss)) }),
  },
  cross_entropy: {
    uses: { forward: ['crossEntropyForward'], backward: ['crossEntropyBackward'] },
    inputs: { logits: { shape: ['N', 'C'], scale: 2 }, targets: { shape: ['N'], dtype: 'int', range: [0, 'C'] } },
    upstream: ['loss'],
    forward: (lab, { logits, targets }) => ({ loss: lab.crossEntropyForward(logits, targets) }),
    backward: (lab, { logits, targets }, _p, { loss }) => ({ logits: lab.crossEntropyBackward(logits, targets, scalarOf(loss)) }),
  },

  // ----- the network -----
  mlp_cross_entropy: {
    uses: { forward: ['mlpForward', 'crossEntropyForward'], backward: ['mlpForward', 'mlpBackward', 'crossEntropyBackward'] },
    inputs: MLP_INPUTS,
    upstream: ['loss'],
    forward: (lab, inputs, p) => {
      const { logits } = lab.mlpForward(mlpOf(inputs, p.activation), inputs.x);
      return { logits, loss: lab.crossEntropyForward(logits, inputs.targets) };
    },
    backward: (lab, inputs, p, { loss }) => {
      const mlp = mlpOf(inputs, p.activation);
      const cache = lab.mlpForward(mlp, inputs.x);
      const dx = lab.mlpBackward(mlp, inputs.x, cache, lab.crossEntropyBackward(cache.logits, inputs.targets, scalarOf(loss)));
      return { x: dx, W1: mlp.W1.grad, b1: mlp.b1.grad, W2: mlp.W2.grad, b2: mlp.b2.grad };
    },
  },
  sgd_step: {
    uses: { forward: ['sgdStep'] },
    inputs: {
      W1: { shape: ['H', 'D'] },
      b1: { shape: ['H'] },
      W2: { shape: ['C', 'H'] },
      b2: { shape: ['C'] },
      dW1: { shape: ['H', 'D'] },
      db1: { shape: ['H'] },
      dW2: { shape: ['C', 'H'] },
      db2: { shape: ['C'] },
    },
    forward: (lab, inputs, p) => {
      const mlp = mlpOf(inputs, 'tanh', inputs);
      lab.sgdStep(mlp, p.lr);
      return parameters(mlp);
    },
  },
  sgd_steps: {
    uses: { forward: ['train'] },
    inputs: MLP_INPUTS,
    forward: (lab, inputs, p) => {
      const mlp = mlpOf(inputs, p.activation);
      const losses = Array.from(lab.train(mlp, inputs.x, inputs.targets, p.steps, p.lr));
      return { losses, ...parameters(mlp) };
    },
  },
  train_steps: {
    uses: { forward: ['train'] },
    inputs: MLP_INPUTS,
    // train(mlp, x, targets, s, lr) from the same start for s = 1 .. steps: the parameters after
    // s steps minus those after s - 1 are what step s did. One call per step would not do: a
    // train() that zeroes the gradients once, before its loop, goes wrong from its second step.
    forward: (lab, inputs, p) => {
      const steps: number = p.steps;
      let before: Record<string, Tensor> = inputs;
      let losses: number[] = [];
      const stacked = (t: Tensor): Tensor => ({ shape: [steps, ...t.shape], data: new Float64Array(steps * t.data.length) });
      const update: Weights = { W1: stacked(inputs.W1), b1: stacked(inputs.b1), W2: stacked(inputs.W2), b2: stacked(inputs.b2) };
      for (let s = 1; s <= steps; s++) {
        const mlp = mlpOf(inputs, p.activation);
        losses = Array.from(lab.train(mlp, inputs.x, inputs.targets, s, p.lr));
        const after = trainedWeights(mlp, inputs);
        for (const name of PARAMETER_NAMES) {
          const size = after[name].data.length;
          for (let i = 0; i < size; i++) update[name].data[(s - 1) * size + i] = after[name].data[i] - before[name].data[i];
        }
        before = after;
      }
      return { losses: { shape: [losses.length], data: Float64Array.from(losses) }, update };
    },
  },
  train_classifier: {
    uses: { forward: ['train'] },
    forward: (lab, inputs, p) => {
      const activation: ActivationName = p.activation ?? 'tanh';
      const mlp = mlpOf(inputs, activation);
      const losses = Array.from(lab.train(mlp, inputs.x, inputs.targets, p.steps, p.lr));
      return { losses, ...trainedWeights(mlp, inputs) };
    },
  },
};
