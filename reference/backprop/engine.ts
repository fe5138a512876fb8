/**
 * A scalar autograd engine, micrograd style: the reference solution.
 *
 * Each operation builds a new node from its inputs (the forward pass) and leaves behind a
 * `backwardStep` that passes the node's gradient on to its inputs, multiplied by the local
 * derivative (the chain rule). `backward()` runs those steps from the output back to the
 * leaves, in reverse topological order. Gradients are added (`+=`), never assigned: a node
 * used twice receives a contribution from each use.
 */

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

  /** y = a + b;  dy/da = 1, dy/db = 1 */
  add(other: Value): Value {
    const out = new Value(this.data + other.data, [this, other]);
    out.backwardStep = () => {
      this.grad += out.grad;
      other.grad += out.grad;
    };
    return out;
  }

  /** y = a - b;  dy/da = 1, dy/db = -1 */
  sub(other: Value): Value {
    const out = new Value(this.data - other.data, [this, other]);
    out.backwardStep = () => {
      this.grad += out.grad;
      other.grad -= out.grad;
    };
    return out;
  }

  /** y = a * b;  dy/da = b, dy/db = a */
  mul(other: Value): Value {
    const out = new Value(this.data * other.data, [this, other]);
    out.backwardStep = () => {
      this.grad += other.data * out.grad;
      other.grad += this.data * out.grad;
    };
    return out;
  }

  /** y = a / b;  dy/da = 1 / b, dy/db = -a / b^2 */
  div(other: Value): Value {
    const out = new Value(this.data / other.data, [this, other]);
    out.backwardStep = () => {
      this.grad += out.grad / other.data;
      other.grad += (-this.data / (other.data * other.data)) * out.grad;
    };
    return out;
  }

  // ----- unary operations ----------------------------------------------------------------------

  /** y = -a;  dy/da = -1 */
  neg(): Value {
    const out = new Value(-this.data, [this]);
    out.backwardStep = () => {
      this.grad -= out.grad;
    };
    return out;
  }

  /** y = a^n for a constant n;  dy/da = n a^(n-1) */
  pow(n: number): Value {
    const out = new Value(this.data ** n, [this]);
    out.backwardStep = () => {
      this.grad += n * this.data ** (n - 1) * out.grad;
    };
    return out;
  }

  /** y = e^a;  dy/da = e^a = y */
  exp(): Value {
    const out = new Value(Math.exp(this.data), [this]);
    out.backwardStep = () => {
      this.grad += out.data * out.grad;
    };
    return out;
  }

  /** y = ln a;  dy/da = 1 / a */
  log(): Value {
    const out = new Value(Math.log(this.data), [this]);
    out.backwardStep = () => {
      this.grad += out.grad / this.data;
    };
    return out;
  }

  /** y = tanh a;  dy/da = 1 - y^2 */
  tanh(): Value {
    const out = new Value(Math.tanh(this.data), [this]);
    out.backwardStep = () => {
      this.grad += (1 - out.data * out.data) * out.grad;
    };
    return out;
  }

  /** y = max(0, a);  dy/da = 1 for a > 0, else 0 (0 at a = 0, as PyTorch) */
  relu(): Value {
    const out = new Value(this.data > 0 ? this.data : 0, [this]);
    out.backwardStep = () => {
      this.grad += (this.data > 0 ? 1 : 0) * out.grad;
    };
    return out;
  }

  /** y = 1 / (1 + e^-a);  dy/da = y (1 - y) */
  sigmoid(): Value {
    const out = new Value(1 / (1 + Math.exp(-this.data)), [this]);
    out.backwardStep = () => {
      this.grad += out.data * (1 - out.data) * out.grad;
    };
    return out;
  }

  // ----- the backward pass ---------------------------------------------------------------------

  /** Every node this one depends on, each after all of its parents (a topological order). */
  private topologicalOrder(): Value[] {
    const order: Value[] = [];
    const visited = new Set<Value>();
    const visit = (v: Value) => {
      if (visited.has(v)) return;
      visited.add(v);
      for (const p of v.parents) visit(p);
      order.push(v);
    };
    visit(this);
    return order;
  }

  /** dL/dv for every node v this one depends on, with L = this node: seed 1, then the chain rule. */
  backward(): void {
    const order = this.topologicalOrder();
    this.grad = 1;
    // Reverse topological order: a node's gradient is complete before it is passed on.
    for (let i = order.length - 1; i >= 0; i--) order[i].backwardStep();
  }

  /** Sets the gradient of this node and of every node it depends on back to 0. */
  zeroGrad(): void {
    for (const v of this.topologicalOrder()) v.grad = 0;
  }
}
