/**
 * The grader side of the backprop lab's ops (graders/backprop.ops.ts has the calls): drawing
 * expression graphs and the training sets, and `train_classifier`'s evaluate, the accuracy of
 * the trained parameters on a held-out set drawn here from params.heldout_seed (and on the
 * training set), both computed with this file's forward, never the student's mlpForward. Runs in
 * the grader only: the student process never sees held-out data.
 */
import type { IntTensor, Tensor } from '../labs/common';
import type { ActivationName } from '../labs/common/activations';
import { Rng } from '../labs/common/rng';
import type * as MlpLab from '../labs/backprop/mlp';
import { BINARY, Graph, GraphNode, Weights, trainedWeights } from './backprop.ops';
import type { CaseParams, DrawnInputs, GraderInputs } from './engine/kit';

// ----- expression graphs ------------------------------------------------------------------------

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
function generateExpression(rng: Rng, p: CaseParams): DrawnInputs {
  if (typeof p.op === 'string') {
    const exponent = p.exponent ?? 2;
    const graph = singleOpGraph(p.op, exponent);
    let position = 0;
    return { graph, ...leafValues(graph, () => drawLeaf(rng, p.op, exponent, position++)) };
  }
  const { graph, leaves } = randomGraph(rng, p.leaves ?? 4, p.nodes ?? 12);
  return { graph, ...leaves };
}

// ----- training a classifier -------------------------------------------------------------------

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

/**
 * `n` points of a toy set, labels alternating 0, 1, 0, ...: `two_moons` (two interleaved half
 * circles) or `xor` (four blobs, opposite corners share a class); 2 features, 2 classes.
 */
function toySet(rng: Rng, dataset: string, n: number, noise: number): { x: Tensor; targets: IntTensor } {
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

/** The training set and a seeded initialisation (weights N(0, 1/fan_in), zero biases). */
function generateClassifier(rng: Rng, p: CaseParams): DrawnInputs {
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
function heldOutSet(p: CaseParams): { x: Tensor; targets: IntTensor } {
  if (!Number.isInteger(p.heldout_seed) || !Number.isInteger(p.heldout_n)) throw new Error('a training case needs params heldout_seed and heldout_n (integers)');
  return toySet(new Rng(p.heldout_seed), p.dataset, p.heldout_n, p.noise ?? 0.1);
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

export const inputs: GraderInputs = {
  expression: { generate: generateExpression },
  expression_zero_grad: { generate: generateExpression },
  train_classifier: {
    generate: generateClassifier,
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
