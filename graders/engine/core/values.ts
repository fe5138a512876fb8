/**
 * The plain data that crosses between the grader and the student process: numbers,
 * tensors ({shape, data} with a Float64Array, Int32Array for ids or Uint8Array for masks),
 * arrays and records of them. Also its JSON form, which is the oracle's tensor format
 * ({shape, data, dtype?}) with non-finite numbers written as strings.
 */
import { createHash } from 'crypto';

export type TensorData = Float64Array | Int32Array | Uint8Array;
export interface TensorValue {
  shape: number[];
  data: TensorData;
}
export type Value = number | boolean | string | null | TensorValue | Value[] | { [key: string]: Value };
export type Values = Record<string, Value>;

export function isTensor(v: unknown): v is TensorValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'shape' in v && 'data' in v && ArrayBuffer.isView((v as TensorValue).data) && Array.isArray((v as TensorValue).shape);
}

export function isRecord(v: unknown): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !isTensor(v);
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * The kind of a tensor's data. Typed arrays are told apart by their tag, not `instanceof`:
 * values that arrive over IPC are built in Node's main realm, and Jest runs tests in another.
 */
export function dtypeOf(t: TensorValue): 'float' | 'int' | 'bool' {
  const tag = Object.prototype.toString.call(t.data);
  return tag === '[object Int32Array]' ? 'int' : tag === '[object Uint8Array]' ? 'bool' : 'float';
}

export function isFloatTensor(v: unknown): v is TensorValue & { data: Float64Array } {
  return isTensor(v) && Object.prototype.toString.call(v.data) === '[object Float64Array]';
}

/** "a tensor [4, 6]", "a number", ...: for messages about a value of the wrong kind. */
export function describeKind(v: unknown): string {
  if (isTensor(v)) return `a ${dtypeOf(v) === 'float' ? '' : dtypeOf(v) + ' '}tensor [${v.shape.join(', ')}]`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'string' && v.startsWith('[') && v.endsWith(']')) return v.slice(1, -1);
  if (typeof v === 'object') return `an object with keys {${Object.keys(v as object).join(', ')}}`;
  return `a ${typeof v}`;
}

// ----- JSON form -------------------------------------------------------------------------------

function numberToJson(x: number): number | string {
  return Number.isFinite(x) ? x : String(x); // 'NaN', 'Infinity', '-Infinity'
}

/** Whether every element is a number: the common case, copied without a call per element. */
function allNumbers(data: unknown[]): data is number[] {
  for (let i = 0; i < data.length; i++) if (typeof data[i] !== 'number') return false;
  return true;
}

function numberFromJson(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  if (typeof x === 'boolean') return x ? 1 : 0;
  throw new Error(`expected a number, got ${JSON.stringify(x)}`);
}

/** A value as JSON-safe data (tensors as {shape, data, dtype?}). */
export function toJson(v: Value): unknown {
  if (typeof v === 'number') return numberToJson(v);
  if (isTensor(v)) {
    const dtype = dtypeOf(v);
    const data = dtype === 'bool' ? Array.from(v.data, (b) => b !== 0) : Array.from(v.data, numberToJson);
    return dtype === 'float' ? { shape: v.shape, data } : { shape: v.shape, data, dtype };
  }
  if (Array.isArray(v)) return v.map(toJson);
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}

function looksLikeJsonTensor(j: unknown): j is { shape: number[]; data: unknown[]; dtype?: string } {
  return typeof j === 'object' && j !== null && Array.isArray((j as { shape?: unknown }).shape) && Array.isArray((j as { data?: unknown }).data);
}

/** Reads the JSON form back. Tensors are {shape, data, dtype?} with dtype 'int' or 'bool'. */
export function fromJson(j: unknown): Value {
  if (typeof j === 'number' || typeof j === 'boolean' || j === null) return j;
  if (typeof j === 'string') return j === 'NaN' || j === 'Infinity' || j === '-Infinity' ? numberFromJson(j) : j;
  if (looksLikeJsonTensor(j)) {
    const n = numel(j.shape);
    if (j.data.length !== n) throw new Error(`tensor of shape [${j.shape.join(', ')}] needs ${n} values, has ${j.data.length}`);
    const shape = j.shape.map(Number);
    if (j.dtype === 'int') return { shape, data: Int32Array.from(j.data, numberFromJson) };
    if (j.dtype === 'bool') return { shape, data: Uint8Array.from(j.data, (b) => (b ? 1 : 0)) };
    return { shape, data: allNumbers(j.data) ? new Float64Array(j.data) : Float64Array.from(j.data, numberFromJson) };
  }
  if (Array.isArray(j)) return j.map(fromJson);
  if (typeof j === 'object') return Object.fromEntries(Object.entries(j as object).map(([k, x]) => [k, fromJson(x)]));
  throw new Error(`cannot read ${typeof j} as a value`);
}

/** Nested arrays of numbers ([[1, 2], [3, 4]]) as a float tensor; anything else as fromJson. */
export function fromLiteral(j: unknown): Value {
  if (Array.isArray(j) && j.length > 0 && (typeof j[0] === 'number' || Array.isArray(j[0]) || typeof j[0] === 'string')) {
    const shape: number[] = [];
    let level: unknown = j;
    while (Array.isArray(level)) {
      shape.push(level.length);
      level = level[0];
    }
    const flat = (j as unknown[]).flat(Infinity);
    if (flat.length === numel(shape) && flat.every((x) => typeof x === 'number' || typeof x === 'string')) {
      return { shape, data: Float64Array.from(flat, numberFromJson) };
    }
  }
  return fromJson(j);
}

// ----- walking values ---------------------------------------------------------------------------

/** Stable index path of an element: [i, j, k] for a flat offset in a row-major shape. */
export function unravel(offset: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = offset % shape[d];
    offset = Math.floor(offset / shape[d]);
  }
  return index;
}

/**
 * Whether values hold anything continuous (a number, a float tensor): evidence that tells one
 * mistake from another. Discrete values (ids, masks, an argmax) coincide too easily.
 */
export function hasContinuous(v: Values): boolean {
  return Object.values(v).some((x) => typeof x === 'number' || isFloatTensor(x) || (isRecord(x) && hasContinuous(x as Values)));
}

/**
 * A short hash of values, equal exactly when the values are bit-identical (floats by their
 * bits, not their printed digits): keys sorted, tensors with their dtype and shape.
 */
export function valueDigest(v: Values): string {
  const h = createHash('sha256');
  const visit = (x: Value | undefined): void => {
    if (isTensor(x)) {
      h.update(`T${dtypeOf(x)}[${x.shape.join(',')}]`);
      h.update(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    } else if (Array.isArray(x)) {
      h.update(`A${x.length}`);
      x.forEach(visit);
    } else if (isRecord(x)) {
      const keys = Object.keys(x).sort();
      h.update(`R${keys.length}`);
      for (const k of keys) {
        h.update(`${JSON.stringify(k)}:`);
        visit(x[k]);
      }
    } else if (typeof x === 'number') {
      h.update(`N${Buffer.from(Float64Array.of(x).buffer).toString('hex')}`);
    } else h.update(`V${JSON.stringify(x ?? null)}`);
  };
  visit(v as Value);
  return h.digest('hex').slice(0, 24);
}
