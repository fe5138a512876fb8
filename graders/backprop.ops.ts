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
import type { IntTensor, Tensor } from '../labs/common';
import type { ActivationName } from '../labs/common/activations';
import type { Rng } from '../labs/common/rng';
import type * as Engine from '../labs/backprop/engine';
import type * as Layers from '../labs/backprop/layers';
import type * as MlpLab from '../labs/backprop/mlp';
import type { OpDef, Ops } from './engine/core/ops';

type Lab = typeof Engine & typeof Layers & typeof MlpLab;
type Value = Engine.Value;
/* eslint-disable @typescript-eslint/no-explicit-any */
type Params = Record<string, any>;

// ----- expression graphs ------------------------------------------------------------------------

interface GraphNode {
  id: string;
  op: string;
  args?: string[];
  /** const nodes */
  value?: number;
  /** pow nodes */
  exponent?: number;
}

interface Graph {
  nodes: GraphNode[];
  output: string;
}

const BINARY = ['add', 'sub', 'mul', 'div'] as const;
const UNARY = ['neg', 'exp', 'log', 'tanh', 'relu', 'sigmoid'] as const;
type BinaryOp = (typeof BINARY)[number];
type UnaryOp = (typeof UNARY)[number];

function scalarOf(v: unknown): number {
  if (typeof v === 'number') return v;
  const t = v as Tensor | undefined;
  if (t && t.data && t.data.length === 1) return t.data[0];
  throw new Error(`expected a number, got ${JSON.stringify(v)}`);
}

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

function leafValues(graph: Graph, draw: (node: GraphNode) => number): Record<string, number> {
  return Object.fromEntries(graph.nodes.filter((n) => n.op === 'leaf').map((n) => [n.id, draw(n)]));
}

/** A leaf value for the single-operation graphs, inside the operation's domain. */
function drawLeaf(rng: Rng, op: string, exponent: number, position: number): number {
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng.uniform();
  const sign = () => (rng.uniform() < 0.5 ? -1 : 1);
  if (op === 'log') return uniform(0.2, 3);
  if (op === 'div' && position === 1) return sign() * uniform(0.5, 2);
  if (op === 'pow' && (exponent < 0 || !Number.isInteger(exponent))) return uniform(0.3, 2);
  if (op === 'pow') return sign() * uniform(0.3, 2);
  return 2 * rng.normal();
}

/** y = op(a) or op(a, b): one operation, alone, so that its item grades nothing else. */
function singleOpGraph(op: string, exponent: number): Graph {
  const binary = (BINARY as readonly string[]).includes(op);
  const nodes: GraphNode[] = [{ id: 'a', op: 'leaf' }];
  if (binary) nodes.push({ id: 'b', op: 'leaf' });
  nodes.push(op === 'pow' ? { id: 'y', op, args: ['a'], exponent } : { id: 'y', op, args: binary ? ['a', 'b'] : ['a'] });
  return { nodes, output: 'y' };
}

/** op(x, y) in plain numbers, or NaN outside the domain the random graphs keep to. */
function evaluate(op: string, x: number, y: number, exponent: number): number {
  switch (op) {
    case 'add':
      return x + y;
    case 'sub':
      return x - y;
    case 'mul':
      return x * y;
    case 'div':
      return Math.abs(y) > 0.3 ? x / y : NaN;
    case 'neg':
      return -x;
    case 'pow':
      return x ** exponent;
    case 'exp':
      return x < 2.5 ? Math.exp(x) : NaN;
    case 'log':
      return x > 0.1 ? Math.log(x) : NaN;
    case 'tanh':
      return Math.tanh(x);
    case 'relu':
      return Math.abs(x) > 0.01 ? Math.max(0, x) : NaN; // finite differences stay off the kink
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    default:
      return NaN;
  }
}

/**
 * A random graph of `count` operations on `leafCount` leaves, each operation kept inside its
 * domain (log of a positive number, no division by a small one, no overflowing exp); every
 * node that nothing uses is added into the output, so that every node matters.
 */
function randomGraph(rng: Rng, leafCount: number, count: number): { graph: Graph; leaves: Record<string, number> } {
  const nodes: GraphNode[] = [];
  const value: number[] = [];
  const used = new Set<number>();
  for (let i = 0; i < leafCount; i++) {
    nodes.push({ id: `x${i}`, op: 'leaf' });
    value.push(Math.round(200 * rng.normal()) / 100);
  }
  const ops = [...BINARY, 'neg', 'pow', 'exp', 'log', 'tanh', 'relu', 'sigmoid'];
  // Mostly recent nodes, sometimes any: deep chains with some fan-out.
  const pick = () => (rng.uniform() < 0.6 ? Math.max(0, nodes.length - 1 - rng.int(3)) : rng.int(nodes.length));
  const fits = (op: string, a: number, b: number, exponent: number): number | undefined => {
    const out = evaluate(op, value[a], value[b], exponent);
    return Number.isFinite(out) && Math.abs(out) < 30 ? out : undefined;
  };
  while (nodes.length < leafCount + count) {
    const op = ops[rng.int(ops.length)];
    const [a, b] = [pick(), pick()];
    const exponent = 2 + rng.int(2);
    const out = fits(op, a, b, exponent);
    if (out === undefined) continue;
    const id = `n${nodes.length - leafCount}`;
    const binary = (BINARY as readonly string[]).includes(op);
    nodes.push(op === 'pow' ? { id, op, args: [nodes[a].id], exponent } : { id, op, args: binary ? [nodes[a].id, nodes[b].id] : [nodes[a].id] });
    value.push(out);
    used.add(a);
    if (binary) used.add(b);
  }
  const last = nodes.length - 1;
  let output = nodes[last].id;
  for (let i = leafCount; i < last; i++) {
    if (used.has(i)) continue;
    const id = `s${i - leafCount}`;
    nodes.push({ id, op: 'add', args: [output, nodes[i].id] });
    output = id;
  }
  return { graph: { nodes, output }, leaves: Object.fromEntries(value.slice(0, leafCount).map((v, i) => [`x${i}`, v])) };
}

/** An expression: params {op, exponent?} for one operation, or {leaves, nodes} for a random graph. */
function generateExpression(rng: Rng, p: Params): Record<string, any> {
  if (typeof p.op === 'string') {
    const exponent = p.exponent ?? 2;
    const graph = singleOpGraph(p.op, exponent);
    let position = 0;
    return { graph, ...leafValues(graph, () => drawLeaf(rng, p.op, exponent, position++)) };
  }
  const { graph, leaves } = randomGraph(rng, p.leaves ?? 4, p.nodes ?? 12);
  return { graph, ...leaves };
}

function expressionOp(twice: boolean): OpDef<Lab> {
  return {
    uses: { forward: ['Value'], backward: ['Value'] },
    generate: generateExpression,
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

function copy(t: Tensor): Tensor {
  return { shape: [...t.shape], data: Float64Array.from(t.data) };
}

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

/** Fraction of rows whose largest logit is the target's. */
function accuracy(logits: Tensor, targets: IntTensor): number {
  const [N, C] = logits.shape;
  let right = 0;
  for (let n = 0; n < N; n++) {
    let best = 0;
    for (let j = 1; j < C; j++) if (logits.data[n * C + j] > logits.data[n * C + best]) best = j;
    if (best === targets.data[n]) right++;
  }
  return right / N;
}

const MLP_INPUTS = {
  x: { shape: ['N', 'D'] },
  W1: { shape: ['H', 'D'], scale: 0.5 },
  b1: { shape: ['H'], scale: 0.1 },
  W2: { shape: ['C', 'H'], scale: 0.5 },
  b2: { shape: ['C'], scale: 0.1 },
  targets: { shape: ['N'], dtype: 'int' as const, range: [0, 'C'] as [number, string] },
};

type Toy = Pick<Rng, 'uniform' | 'normal'>;

/**
 * `n` points of a toy set, labels alternating 0, 1, 0, ...: `two_moons` (two interleaved half
 * circles) or `xor` (four blobs, opposite corners share a class); 2 features, 2 classes.
 */
function toySet(rng: Toy, dataset: string, n: number, noise: number): { x: Tensor; targets: IntTensor } {
  const x = new Float64Array(2 * n);
  const targets = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    let [u, v] = [0, 0];
    if (dataset === 'xor') {
      const s = rng.uniform() < 0.5 ? -1 : 1;
      [u, v] = [s, label === 0 ? s : -s];
    } else {
      const t = Math.PI * rng.uniform();
      [u, v] = label === 0 ? [Math.cos(t) - 0.5, Math.sin(t) - 0.25] : [0.5 - Math.cos(t), 0.25 - Math.sin(t)];
    }
    x[2 * i] = u + noise * rng.normal();
    x[2 * i + 1] = v + noise * rng.normal();
    targets[i] = label;
  }
  return { x: { shape: [n, 2], data: x }, targets: { shape: [n], data: targets } };
}

/**
 * labs/common/rng.ts (mulberry32, Box-Muller), for drawing held-out sets inside the student
 * process, where this file can import nothing.
 */
function seededRng(seed: number): Toy {
  let state = seed >>> 0;
  const uniform = () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    let u = 0;
    while (u === 0) u = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  return { uniform, normal };
}

/** The training set and a seeded initialisation (weights N(0, 1/fan_in), zero biases). */
function generateClassifier(rng: Rng, p: Params): Record<string, any> {
  const H: number = p.hidden ?? 16;
  const { x, targets } = toySet(rng, p.dataset, p.n ?? 100, p.noise ?? 0.1);
  return {
    x,
    targets,
    W1: { shape: [H, 2], data: rng.normals(2 * H, Math.sqrt(1 / 2)) },
    b1: { shape: [H], data: new Float64Array(H) },
    W2: { shape: [2, H], data: rng.normals(2 * H, Math.sqrt(1 / H)) },
    b2: { shape: [2], data: new Float64Array(2) },
  };
}

/**
 * The held-out set of a training case: the same distribution as its training set, drawn from
 * params.heldout_seed. Only this file sees its targets; the student's code never does.
 */
function heldOutSet(p: Params): { x: Tensor; targets: IntTensor } {
  if (!Number.isInteger(p.heldout_seed) || !Number.isInteger(p.heldout_n)) throw new Error('a training case needs params heldout_seed and heldout_n (integers)');
  return toySet(seededRng(p.heldout_seed), p.dataset, p.heldout_n, p.noise ?? 0.1);
}

const PARAMETER_NAMES = ['W1', 'b1', 'W2', 'b2'] as const;
type Weights = Record<(typeof PARAMETER_NAMES)[number], Tensor>;

/**
 * Copies of the parameters train() left in the Mlp, each checked against its initial shape
 * (train may replace a parameter's tensor, not change its shape).
 */
function trainedWeights(mlp: MlpLab.Mlp, initial: Record<string, Tensor>): Weights {
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

function logistic(z: number): number {
  if (z < 0) {
    const e = Math.exp(z);
    return e / (1 + e);
  }
  return 1 / (1 + Math.exp(-z));
}

const ACTIVATION: Record<ActivationName, (z: number) => number> = { relu: (z) => (z > 0 ? z : 0), tanh: Math.tanh, sigmoid: logistic };

/** y = x W^T + b; x: [N, in], W: [out, in]. */
function affine(x: Tensor, W: Tensor, b: Tensor, f: (z: number) => number = (z) => z): Tensor {
  const [N, inner] = x.shape;
  const out = W.shape[0];
  const y = new Float64Array(N * out);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < out; j++) {
      let s = b.data[j];
      for (let i = 0; i < inner; i++) s += x.data[n * inner + i] * W.data[j * inner + i];
      y[n * out + j] = f(s);
    }
  }
  return { shape: [N, out], data: y };
}

/**
 * The network's logits computed here, not by the student's mlpForward: the accuracy that
 * decides points depends on the parameters the student's training reached, and on nothing
 * else the student's code says.
 */
function logitsOf(w: Weights, activation: ActivationName, x: Tensor): Tensor {
  return affine(affine(x, w.W1, w.b1, ACTIVATION[activation]), w.W2, w.b2);
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
    generate: generateClassifier,
    forward: (lab, inputs, p) => {
      const activation: ActivationName = p.activation ?? 'tanh';
      const mlp = mlpOf(inputs, activation);
      const losses = Array.from(lab.train(mlp, inputs.x, inputs.targets, p.steps, p.lr));
      return { losses, ...trainedWeights(mlp, inputs) };
    },
    // In the grader: the held-out set is drawn here, never in the student process.
    evaluate: (outputs, inputs, p) => {
      const activation: ActivationName = p.activation ?? 'tanh';
      // What came back is the student's word: shapes are checked before anything loops over them.
      const trained = trainedWeights({ W1: { data: outputs.W1 }, b1: { data: outputs.b1 }, W2: { data: outputs.W2 }, b2: { data: outputs.b2 } } as unknown as MlpLab.Mlp, inputs);
      const heldOut = heldOutSet(p);
      return {
        heldout_accuracy: accuracy(logitsOf(trained, activation, heldOut.x), heldOut.targets),
        accuracy: accuracy(logitsOf(trained, activation, inputs.x), inputs.targets),
      };
    },
  },
};
