/**
 * The tensor type every lab uses: a shape and a flat Float64Array in row-major order,
 * with PyTorch's layouts (a batch of vectors is [N, D], a sequence batch is [N, T, D],
 * a linear layer's weight is [out, in]).
 *
 * Element (i, j) of a [R, C] tensor is `t.data[i * C + j]`; element (n, t, d) of a
 * [N, T, D] tensor is `t.data[(n * T + t) * D + d]`.
 */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** Integer tensor (token ids, class targets). */
export interface IntTensor {
  readonly shape: readonly number[];
  readonly data: Int32Array;
}

/** Boolean tensor (attention masks): 1 means true. */
export interface BoolTensor {
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

/** Number of elements of a shape; a scalar (shape []) has one. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A tensor of the given shape; `data` is copied (default: zeros). */
export function tensor(shape: readonly number[], data?: ArrayLike<number>): Tensor {
  const n = numel(shape);
  if (data !== undefined && data.length !== n) {
    throw new Error(`tensor: shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
  }
  return { shape: [...shape], data: data === undefined ? new Float64Array(n) : Float64Array.from(data) };
}

/** Zeros of the given shape. */
export function zeros(shape: readonly number[]): Tensor {
  return tensor(shape);
}

/** Zeros with the shape of `t`. */
export function zerosLike(t: Tensor): Tensor {
  return tensor(t.shape);
}

/** A scalar tensor (shape []). */
export function scalar(value: number): Tensor {
  return tensor([], [value]);
}

/** A copy of `t` that shares nothing with it. */
export function clone(t: Tensor): Tensor {
  return tensor(t.shape, t.data);
}

/** The same data seen with another shape of the same size (copied). */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  return tensor(shape, t.data);
}

/** A new tensor with `f` applied to every element. */
export function map(t: Tensor, f: (value: number, index: number) => number): Tensor {
  const out = zerosLike(t);
  for (let i = 0; i < t.data.length; i++) out.data[i] = f(t.data[i], i);
  return out;
}

/** A new tensor with `f(a[i], b[i])` for two tensors of the same shape. */
export function zip(a: Tensor, b: Tensor, f: (x: number, y: number, index: number) => number): Tensor {
  assertSameShape(a, b, 'zip');
  const out = zerosLike(a);
  for (let i = 0; i < a.data.length; i++) out.data[i] = f(a.data[i], b.data[i], i);
  return out;
}

/** Matrix product of a: [M, K] and b: [K, N], giving [M, N]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const [M, K] = a.shape;
  const [K2, N] = b.shape;
  if (a.shape.length !== 2 || b.shape.length !== 2 || K !== K2) {
    throw new Error(`matmul: cannot multiply [${a.shape.join(', ')}] by [${b.shape.join(', ')}]`);
  }
  const out = zeros([M, N]);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const aik = a.data[i * K + k];
      if (aik === 0) continue;
      for (let j = 0; j < N; j++) out.data[i * N + j] += aik * b.data[k * N + j];
    }
  }
  return out;
}

/** Transpose of a: [M, N], giving [N, M]. */
export function transpose(a: Tensor): Tensor {
  const [M, N] = a.shape;
  if (a.shape.length !== 2) throw new Error(`transpose: expected a 2-D tensor, got [${a.shape.join(', ')}]`);
  const out = zeros([N, M]);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out.data[j * M + i] = a.data[i * N + j];
  return out;
}

/** Throws a readable error unless `a` and `b` have the same shape. */
export function assertSameShape(a: Tensor, b: Tensor, where: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${where}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  }
}
