/**
 * A lab as the grader sees it: its rubric, its ops glue, its named case fixtures and its
 * mutants, found by convention from the lab's name:
 *
 *   rubrics/<lab>.yaml            graders/<lab>.ops.ts         fixtures/cases/<lab>.yaml
 *   fixtures/mutants/<lab>/*.yaml labs/<lab>/ (stubs)          reference/<lab>/ (solutions)
 *   graders/<lab>.inputs.ts (optional: the grader side of its ops, see ops.ts)
 *
 * A new lab is a new set of these files; nothing else registers it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Fixture, loadFixtures } from './cases';
import { InputError } from './errors';
import { Mutant, loadMutants } from './mutants';
import type { GraderInputs, OpDef, Ops } from './ops';
import { Rubric, loadRubric } from './rubric';
import { SpecError, SpecIssue } from './spec-files';

export interface Lab {
  name: string;
  rubric: Rubric;
  /** Each op's calls (the ops file) with its grader side (the inputs file) joined in. */
  ops: Record<string, OpDef>;
  fixtures: Record<string, Fixture>;
  mutants: Record<string, Mutant>;
  /** Repository-relative paths of the files students edit (`labs/<lab>/<file>`). */
  files: string[];
  /** Repository-relative path of the ops glue. */
  opsFile: string;
  /** Repository-relative path of the grader-side inputs file, when the lab has one. */
  inputsFile?: string;
}

/** Grader-side hooks: they live in the inputs file, never in what the student process loads. */
const GRADER_SIDE = ['generate', 'evaluate'] as const;

/**
 * The lab's ops with the inputs file's grader side joined in; every misplaced hook or unknown op
 * name is reported at once (a SpecError, with the file).
 */
export function joinOps(ops: Ops, inputs: GraderInputs, opsFile: string, inputsFile: string): Record<string, OpDef> {
  const issues: SpecIssue[] = [];
  for (const [name, op] of Object.entries(ops)) {
    for (const hook of GRADER_SIDE) {
      if (hook in op) issues.push({ file: opsFile, path: `ops.${name}.${hook}`, message: `${hook} runs in the grader only: move it to ${inputsFile} (\`export const inputs = { ${name}: { ${hook} } }\`), which may import anything` });
    }
  }
  for (const [name, side] of Object.entries(inputs)) {
    if (!(name in ops)) issues.push({ file: inputsFile, path: `inputs.${name}`, message: `no op "${name}" in ${opsFile} (its ops: ${Object.keys(ops).join(', ')})` });
    for (const key of Object.keys(side)) {
      if (!(GRADER_SIDE as readonly string[]).includes(key)) issues.push({ file: inputsFile, path: `inputs.${name}.${key}`, message: `an inputs file holds ${GRADER_SIDE.join(' and ')} only; "${key}" belongs in ${opsFile}` });
    }
  }
  if (issues.length) throw new SpecError(issues);
  return Object.fromEntries(Object.entries(ops).map(([name, op]) => [name, { ...op, ...inputs[name] }]));
}

/** The labs of a harness checkout: every rubric in rubrics/, sorted by name. */
export function listLabs(root: string): string[] {
  const dir = path.join(root, 'rubrics');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

const cache = new Map<string, Lab>();

/** Loads a lab; throws a SpecError (every problem, with file and line) for a bad rubric. */
export function loadLab(root: string, name: string): Lab {
  const key = `${root}\0${name}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const rubricFile = path.join(root, 'rubrics', `${name}.yaml`);
  if (!fs.existsSync(rubricFile)) throw new InputError('unknown_lab', `no lab "${name}" (labs here: ${listLabs(root).join(', ') || 'none'})`);
  const opsFile = `graders/${name}.ops.ts`;
  const inputsRel = `graders/${name}.inputs.ts`;
  const inputsFile = fs.existsSync(path.join(root, inputsRel)) ? inputsRel : undefined;
  const inputs = inputsFile ? (require(path.join(root, inputsFile)) as { inputs?: GraderInputs }).inputs : {};
  if (!inputs) throw new SpecError([{ file: inputsRel, path: '', message: 'exports no `inputs` (export const inputs: GraderInputs = { <op>: { generate, evaluate } })' }]);
  const ops = joinOps((require(path.join(root, opsFile)) as { ops: Ops }).ops, inputs, opsFile, inputsRel);
  const fixturesFile = path.join(root, 'fixtures', 'cases', `${name}.yaml`);
  const fixtures = fs.existsSync(fixturesFile) ? loadFixtures(fixturesFile, `fixtures/cases/${name}.yaml`) : {};
  const mutants = loadMutants(path.join(root, 'fixtures', 'mutants', name), `fixtures/mutants/${name}`);
  const rubric = loadRubric(rubricFile, `rubrics/${name}.yaml`, { lab: name, ops, fixtures: new Set(Object.keys(fixtures)), mutants: new Set(Object.keys(mutants)) });
  const lab: Lab = { name, rubric, ops, fixtures, mutants, files: rubric.files.map((f) => `labs/${name}/${f}`), opsFile, ...(inputsFile ? { inputsFile } : {}) };
  cache.set(key, lab);
  return lab;
}

/** Picks labs by name (all when `names` is empty), with a clear error for an unknown one. */
export function selectLabs(root: string, names: string[] | undefined): string[] {
  const all = listLabs(root);
  if (!names || names.length === 0) return all;
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length) throw new InputError('unknown_lab', `unknown lab${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (labs here: ${all.join(', ')})`);
  return names;
}
