/**
 * Computing expected values (see core/expected.ts for what they are): the reference and each
 * mutant run on every case, in their own processes (trusted code), cached on disk under a key
 * built from everything that feeds them. Authoring code: a student release ships the values.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ConcreteCase, concreteCase, drawUpstream } from '../core/cases';
import { EXPECTED_FORMAT, EXPECTED_VERSION, ExpectedBundle, ExpectedCase, evaluated, readExpected, writeExpected } from '../core/expected';
import { filesUnder } from '../core/files';
import type { Lab } from '../core/labs';
import type { Mutant } from '../core/mutants';
import { SpecDocument, SpecError } from '../core/spec-files';
import { Item, selectGrads, stageOf } from '../core/rubric';
import type { Values } from '../core/values';
import { buildModules, directoryTree, mapTree, mountedTree, overlay, SourceTree } from '../host/modules';
import { StudentProcess } from '../host/student-process';
import { directCalls, exercised } from './callgraph';

/** The reference, seen where students' files are: reference/<lab>/ over labs/. */
export function referenceTree(root: string, lab: string): SourceTree {
  return overlay(mountedTree(path.join(root, 'reference', lab), `labs/${lab}`, `reference/${lab}`), directoryTree(root));
}

export function mutantTree(root: string, lab: string, m: Mutant): SourceTree {
  const rel = `labs/${lab}/${m.file}`;
  const original = fs.readFileSync(path.join(root, 'reference', lab, m.file), 'utf8');
  return overlay(mapTree({ [rel]: applyMutant(m, original) }, `mutant ${m.id}`), referenceTree(root, lab));
}

/**
 * The engine's part in expected values, by hand: bump it when a change to the engine (how
 * cases are drawn, how values are converted or compared) changes what a bundle holds or means.
 */
export const EXPECTED_ENGINE_VERSION = 5;

/**
 * The engine files that compute expected values (drawing cases, running the reference and the
 * mutants, converting values). Renderers, writers, the CLI and the batch machinery are not
 * among them: editing those must not invalidate every cache (and make `batch --resume`
 * regrade a class).
 */
const ENGINE_FILES = ['kit.ts', 'core/cases.ts', 'core/values.ts', 'core/mutants.ts', 'core/expected.ts', 'core/rubric.ts', 'core/labs.ts', 'authoring/expected-values.ts', 'authoring/callgraph.ts', 'host/child.cjs'].map((f) => `graders/engine/${f}`);

/** What the expected values of a lab are computed from, as repository-relative files. */
export function expectedInputs(root: string, lab: string): string[] {
  const parts = [`reference/${lab}`, `labs/${lab}`, 'labs/common', `rubrics/${lab}.yaml`, `graders/${lab}.ops.ts`, `graders/${lab}.inputs.ts`, `fixtures/cases/${lab}.yaml`, `fixtures/mutants/${lab}`, ...ENGINE_FILES];
  return parts.flatMap((p) => filesUnder(root, p));
}

/** A hash of everything the expected values depend on. */
export function expectedKey(root: string, lab: string): string {
  const h = createHash('sha256');
  h.update(`v${EXPECTED_VERSION}/${EXPECTED_ENGINE_VERSION}`);
  for (const f of expectedInputs(root, lab)) {
    h.update(f);
    h.update(fs.readFileSync(path.join(root, f)));
  }
  return h.digest('hex').slice(0, 20);
}

const REFERENCE_TIMEOUT_MS = 60000;

/**
 * The timing of a case: how long the reference's call took (the call the item checks), and how
 * long it went from each report of progress to the next (child.cjs), when it reported any.
 */
function timing(r: { ms: number; gapsMs?: number[] }): Pick<ExpectedCase, 'ms' | 'gaps_ms'> {
  return { ms: r.ms, ...(r.gapsMs ? { gaps_ms: r.gapsMs.map((g) => Math.round(g * 100) / 100) } : {}) };
}

/** Heap for trusted code (the reference, a mutant): generous, it is ours. */
export const TRUSTED_MEMORY_MB = 2048;

/**
 * A process running trusted code of `lab` (the reference by default, or a mutant's tree),
 * without a sandbox; a build problem is a bug of the lab, thrown.
 */
export function startTrusted(root: string, lab: Lab, tree: SourceTree = referenceTree(root, lab.name)): StudentProcess {
  const built = buildModules(root, tree, lab.files, lab.opsFile);
  if (built.problems.length) throw new Error(`cannot build ${lab.name}: ${built.problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('; ')}`);
  return new StudentProcess(built.modules, { sandbox: 'none', memoryMb: TRUSTED_MEMORY_MB, trusted: true });
}

/**
 * The reference failing on a case is the lab author's to fix (the reference, or the ops: an
 * input name the op reads that the case does not have): a SpecError located at the case.
 */
function fail(root: string, lab: Lab, item: Item, k: number, c: ConcreteCase, message: string): never {
  const doc = SpecDocument.read(path.join(root, 'rubrics', `${lab.name}.yaml`), lab.rubric.file);
  const i = lab.rubric.items.findIndex((it) => it.id === item.id);
  throw new SpecError([doc.issue(['items', i, 'cases', k], `the reference fails on item ${item.id}, case "${c.label}" (op '${item.op}', ${lab.opsFile}): ${message}`)]);
}

/** Runs the reference (and the mutants) on every case of the given items. */
export async function computeExpected(root: string, lab: Lab, items: Item[] = lab.rubric.items, key = expectedKey(root, lab.name)): Promise<ExpectedBundle> {
  const bundle: ExpectedBundle = { format: EXPECTED_FORMAT, version: EXPECTED_VERSION, lab: lab.name, key, items: {} };
  const start = (tree: SourceTree) => startTrusted(root, lab, tree);

  const refTree = referenceTree(root, lab.name);
  const calls = directCalls(Object.fromEntries(lab.files.map((f) => [f, refTree.read(f) ?? ''])));
  const reference = start(refTree);
  try {
    const loadStarted = Date.now();
    const loadFailure = await reference.ready(REFERENCE_TIMEOUT_MS);
    if (loadFailure) throw new Error(`the reference of ${lab.name} does not load: ${loadFailure.message}`);
    // Its computing time where the machine can tell (as the load budget is), so that how busy
    // the machine was while this ran does not set the budget; else the wall-clock time.
    bundle.load_ms = reference.cpuMs() ?? Date.now() - loadStarted;
    for (const item of items) {
      const op = lab.ops[item.op];
      const cases: ExpectedCase[] = [];
      for (const [k, spec] of item.cases.entries()) {
        const c = concreteCase(op, spec, lab.fixtures);
        const fwd = await reference.call({ op: item.op, stage: 'forward', inputs: c.inputs, params: c.params }, REFERENCE_TIMEOUT_MS);
        if (item.check === 'throws') {
          // What is expected is an Error: there are no outputs to compare.
          if (fwd.ok) fail(root, lab, item, k, c, 'it returned a value, but the item checks that the forward throws an Error');
          if (fwd.failure.status !== 'threw') fail(root, lab, item, k, c, fwd.failure.message);
          cases.push({ label: c.label, seed: c.seed, inputs: c.inputs, params: c.params, outputs: {}, mutants: {} });
          continue;
        }
        if (!fwd.ok) fail(root, lab, item, k, c, fwd.failure.message);
        const outputs = item.check === 'forward' ? evaluated(op, fwd.value, c.inputs, c.params) : fwd.value;
        const e: ExpectedCase = { label: c.label, seed: c.seed, inputs: c.inputs, params: c.params, outputs, mutants: {}, forward_ms: fwd.ms };
        let timed: { ms: number; gapsMs?: number[] } = fwd;
        if (item.check === 'backward') {
          e.upstream = drawUpstream(fwd.value, op.upstream, c.seed);
          const bwd = await reference.call({ op: item.op, stage: 'backward', inputs: c.inputs, params: c.params, upstream: e.upstream }, REFERENCE_TIMEOUT_MS);
          if (!bwd.ok) fail(root, lab, item, k, c, bwd.failure.message);
          e.grads = selectGrads(bwd.value, item.grads) as Values;
          timed = bwd;
        }
        Object.assign(e, timing(timed));
        cases.push(e);
      }
      const diagnoses = Object.fromEntries(item.mutants.map((id) => [id, { title: lab.mutants[id].title, diagnosis: lab.mutants[id].diagnosis, loses: lab.mutants[id].loses }]));
      const uses = [...op.uses.forward, ...(item.check === 'backward' ? (op.uses.backward ?? []) : [])];
      bundle.items[item.id] = { cases, diagnoses, exercises: exercised(calls, uses) };
    }
  } finally {
    await reference.close();
  }

  const byMutant = new Map<string, Item[]>();
  for (const item of items) for (const id of item.mutants) byMutant.set(id, [...(byMutant.get(id) ?? []), item]);
  for (const [id, its] of byMutant) {
    const proc = start(mutantTree(root, lab.name, lab.mutants[id]));
    try {
      for (const item of its) {
        for (const e of bundle.items[item.id].cases) {
          const r = await proc.call({ op: item.op, stage: stageOf(item), inputs: e.inputs, params: e.params, upstream: e.upstream }, REFERENCE_TIMEOUT_MS);
          e.mutants[id] = r.ok ? { value: answerOf(lab, item, e, r.value) } : { failure: r.failure.message };
        }
      }
    } finally {
      await proc.close();
    }
  }
  return bundle;
}


/** A mutant's answer as the item compares it: evaluated outputs, or the gradients the reference has. */
function answerOf(lab: Lab, item: Item, e: ExpectedCase, value: Values): Values {
  if (item.check === 'forward') return evaluated(lab.ops[item.op], value, e.inputs, e.params);
  if (item.check === 'backward') return Object.fromEntries(Object.keys(e.grads ?? {}).map((k) => [k, value[k]]));
  return value;
}

/** The patched file text; throws when a `find` is missing or ambiguous (the reference moved on). */
export function applyMutant(m: Mutant, original: string): string {
  let text = original;
  m.patch.forEach((p, i) => {
    const first = text.indexOf(p.find);
    if (first < 0 || text.indexOf(p.find, first + 1) >= 0) {
      throw new SpecError([{ file: m.source, path: `patch[${i}].find`, message: `${first < 0 ? 'not found' : 'found more than once'} in ${m.file}: ${JSON.stringify(p.find)}` }]);
    }
    text = text.slice(0, first) + p.replace + text.slice(first + p.find.length);
  });
  return text;
}

const memory = new Map<string, Promise<ExpectedBundle>>();

/** The expected values computed from reference/, cached in node_modules/.cache/gradecheck. */
export function cachedExpected(root: string, lab: Lab): Promise<ExpectedBundle> {
  const key = expectedKey(root, lab.name);
  const memoKey = `${root}\0${lab.name}\0${key}`;
  let p = memory.get(memoKey);
  if (!p) {
    const file = path.join(root, 'node_modules', '.cache', 'gradecheck', `expected-${lab.name}-${key}.json`);
    p = (async () => {
      if (fs.existsSync(file)) {
        try {
          return readExpected(file);
        } catch {
          /* a damaged cache file is recomputed */
        }
      }
      const bundle = await computeExpected(root, lab, lab.rubric.items, key);
      writeExpected(file, bundle);
      return bundle;
    })();
    memory.set(memoKey, p);
  }
  return p;
}
