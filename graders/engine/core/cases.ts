/**
 * Turning a rubric case into concrete inputs: drawn from a seed with the op's input specs
 * (shapes from the case or the op, dimensions from the case's params), or read from a named
 * fixture in `fixtures/cases/<lab>.yaml`. Upstream gradients for backward checks are drawn
 * from the same seed, so every run grades on the same numbers.
 */
import { z } from 'zod';
import { Rng } from '../../../labs/common/rng';
import type { Dim, InputSpec, OpDef } from './ops';
import type { CaseSpec, Params } from './rubric';
import { SpecDocument, SpecError } from './spec-files';
import { TensorValue, Value, Values, fromLiteral, isFloatTensor, isTensor } from './values';

// ----- fixtures -----------------------------------------------------------------------------

const FixtureSchema = z
  .object({
    description: z.string().optional(),
    seed: z.number().int().nonnegative().optional().describe('seed for the upstream gradient; default 0'),
    params: z.record(z.string(), z.unknown()).optional(),
    inputs: z.record(z.string(), z.unknown()),
  })
  .strict();
const FixturesSchema = z.record(z.string(), FixtureSchema);

export interface Fixture {
  seed: number;
  params: Params;
  inputs: Values;
}

export function loadFixtures(file: string, displayName: string): Record<string, Fixture> {
  const doc = SpecDocument.read(file, displayName);
  const parsed = doc.parseWith(FixturesSchema);
  const out: Record<string, Fixture> = {};
  const issues = [];
  for (const [name, f] of Object.entries(parsed)) {
    const inputs: Values = {};
    for (const [k, v] of Object.entries(f.inputs)) {
      try {
        inputs[k] = fromLiteral(v);
      } catch (e) {
        issues.push(doc.issue([name, 'inputs', k], (e as Error).message));
      }
    }
    out[name] = { seed: f.seed ?? 0, params: f.params ?? {}, inputs };
  }
  if (issues.length) throw new SpecError(issues);
  return out;
}

// ----- dimensions -----------------------------------------------------------------------------

/** Evaluates `4*H`, `d/h`, `T+1`, `N` against the case's params. */
export function evalDim(dim: Dim, params: Params): number {
  if (typeof dim === 'number') return dim;
  const tokens = dim.match(/\s*([A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|[-+*/()])\s*/g)?.map((t) => t.trim()) ?? [];
  if (tokens.join('') !== dim.replace(/\s+/g, '')) throw new Error(`cannot read dimension "${dim}"`);
  let at = 0;
  const peek = () => tokens[at];
  const atom = (): number => {
    const t = tokens[at++];
    if (t === '(') {
      const v = sum();
      if (tokens[at++] !== ')') throw new Error(`missing ")" in "${dim}"`);
      return v;
    }
    if (t === undefined) throw new Error(`"${dim}" ends too early`);
    if (/^\d/.test(t)) return Number(t);
    const p = params[t];
    if (typeof p !== 'number') throw new Error(`dimension "${dim}" needs a numeric param "${t}"`);
    return p;
  };
  const product = (): number => {
    let v = atom();
    while (peek() === '*' || peek() === '/') v = tokens[at++] === '*' ? v * atom() : v / atom();
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') v = tokens[at++] === '+' ? v + product() : v - product();
    return v;
  };
  const v = sum();
  if (at !== tokens.length) throw new Error(`cannot read dimension "${dim}"`);
  if (!Number.isInteger(v) || v < 0) throw new Error(`dimension "${dim}" is ${v}, not a size`);
  return v;
}

function draw(rng: Rng, spec: InputSpec, shape: number[], params: Params, scale: number): TensorValue {
  const n = shape.reduce((a, b) => a * b, 1);
  if (spec.dtype === 'int') {
    const [lo, hi] = (spec.range ?? [0, 2]).map((d) => evalDim(d, params));
    return { shape, data: Int32Array.from({ length: n }, () => lo + rng.int(hi - lo)) };
  }
  if (spec.range) {
    const [lo, hi] = spec.range.map((d) => (typeof d === 'number' ? d : evalDim(d, params)));
    return { shape, data: Float64Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform()) };
  }
  return { shape, data: rng.normals(n, (spec.scale ?? 1) * scale) };
}

// ----- cases --------------------------------------------------------------------------------

export interface ConcreteCase {
  label: string;
  seed: number;
  params: Params;
  inputs: Values;
}

/** Mixes a seed with a salt so that inputs and upstream gradients are independent draws. */
export function deriveSeed(seed: number, salt: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function concreteCase(op: OpDef, c: CaseSpec, fixtures: Record<string, Fixture>): ConcreteCase {
  if (c.fixture !== undefined) {
    const f = fixtures[c.fixture];
    if (!f) throw new Error(`no fixture "${c.fixture}"`);
    return { label: c.name ?? c.fixture, seed: f.seed, params: { ...f.params, ...c.params }, inputs: f.inputs };
  }
  const seed = c.seed ?? 0;
  const params = c.params ?? {};
  const rng = new Rng(seed);
  let inputs: Values;
  if (op.generate) {
    inputs = op.generate(rng, params);
  } else {
    inputs = {};
    for (const [name, spec] of Object.entries(op.inputs ?? {})) {
      const shape = c.shapes?.[name] ?? spec.shape.map((d) => evalDim(d, params));
      inputs[name] = draw(rng, spec, shape, params, c.scale ?? 1);
    }
  }
  const label = c.name ?? [`seed ${seed}`, ...Object.entries(c.shapes ?? {}).map(([k, s]) => `${k} [${s.join(', ')}]`)].join(', ');
  return { label, seed, params, inputs };
}

/** Random upstream gradients shaped like the outputs that receive one. */
export function drawUpstream(outputs: Values, names: string[] | undefined, seed: number): Values {
  const rng = new Rng(deriveSeed(seed, 'upstream'));
  const up: Values = {};
  const chosen = names ?? Object.keys(outputs).filter((k) => typeof outputs[k] === 'number' || isFloatTensor(outputs[k]));
  for (const name of chosen) {
    const o: Value = outputs[name];
    if (typeof o === 'number') up[name] = rng.normal();
    else if (isTensor(o)) up[name] = { shape: [...o.shape], data: rng.normals(o.data.length) };
    else throw new Error(`output "${name}" is not a tensor or number, so it cannot take an upstream gradient`);
  }
  return up;
}
