/**
 * Lab 2, part 1: a scalar autograd engine, micrograd style.
 *
 * A `Value` is one node of a computation graph: a number (`data`), the gradient of the final
 * output with respect to it (`grad`), the nodes it was computed from (`parents`) and a
 * `backwardStep` that passes its gradient on to those parents.
 *
 * Each operation does two things:
 *   forward:  computes the new value and makes the new node `out`, with its parents;
 *   backward: sets `out.backwardStep` to a function that ADDS `out.grad` times the local
 *             derivative into each parent's `grad` (`+=`, never `=`: a node used twice, as in
 *             `a.add(a)`, must receive both contributions).
 *
 * `backward()` seeds the output's gradient with 1 and runs every node's `backwardStep`,
 * from the output back to the leaves, in reverse topological order (a node only after every
 * node that uses it). `zeroGrad()` sets every gradient in the graph back to 0.
 *
 * README.md explains it all with the lecture's example f(x, y, z) = (x + y) * z.
 * Run `npx gradecheck grade --labs backprop` to see your score.
 */
import { notImplemented } from '../common';

export class Value {
  /** The value computed by the forward pass. */
  data: number;
  /** dL/d(this node), filled in by backward(). */
  grad = 0;
  /** The nodes this one was computed from. */
  readonly parents: Value[];
  /** Adds this node's gradient, times the local derivatives, into its parents' gradients. */
  backwardStep: () => void = () => {};

  constructor(data: number, parents: Value[] = []) {
    this.data = data;
    this.parents = parents;
  }

  // ----- binary operations ---------------------------------------------------------------------

  /** y = a + b, with a = this and b = other. */
  add(other: Value): Value {
    // TODO: const out = new Value(..., [this, other]); out.backwardStep = () => { ... }; return out;
    return notImplemented('Value.add');
  }

  /** y = a - b */
  sub(other: Value): Value {
    // TODO
    return notImplemented('Value.sub');
  }

  /** y = a * b */
  mul(other: Value): Value {
    // TODO
    return notImplemented('Value.mul');
  }

  /** y = a / b */
  div(other: Value): Value {
    // TODO
    return notImplemented('Value.div');
  }

  // ----- unary operations ----------------------------------------------------------------------

  /** y = -a */
  neg(): Value {
    // TODO
    return notImplemented('Value.neg');
  }

  /** y = a^n, for a constant number n (any real n: 2, 3, -1, 0.5, ...). */
  pow(n: number): Value {
    // TODO
    return notImplemented('Value.pow');
  }

  /** y = e^a */
  exp(): Value {
    // TODO
    return notImplemented('Value.exp');
  }

  /** y = ln a (natural logarithm) */
  log(): Value {
    // TODO
    return notImplemented('Value.log');
  }

  /** y = tanh a */
  tanh(): Value {
    // TODO
    return notImplemented('Value.tanh');
  }

  /** y = max(0, a). At exactly a = 0 the derivative is 0 (PyTorch's convention). */
  relu(): Value {
    // TODO
    return notImplemented('Value.relu');
  }

  /** y = 1 / (1 + e^-a) */
  sigmoid(): Value {
    // TODO
    return notImplemented('Value.sigmoid');
  }

  // ----- the backward pass ---------------------------------------------------------------------

  /**
   * Computes dL/dv for every node v that this node depends on, with L = this node:
   * sets this.grad = 1, then runs each node's backwardStep in reverse topological order.
   */
  backward(): void {
    // TODO
    notImplemented('Value.backward');
  }

  /** Sets the gradient of this node and of every node it depends on back to 0. */
  zeroGrad(): void {
    // TODO
    notImplemented('Value.zeroGrad');
  }
}
