/**
 * A lab as the grader sees it: its rubric, its ops glue, its named case fixtures and its
 * mutants, found by convention from the lab's name:
 *
 *   rubrics/<lab>.yaml            graders/<lab>.ops.ts         fixtures/cases/<lab>.yaml
 *   fixtures/mutants/<lab>/*.yaml labs/<lab>/ (stubs)          reference/<lab>/ (solutions)
 *
 * A new lab is a new set of these files; nothing else registers it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Fixture, loadFixtures } from './cases';
import { InputError } from './errors';
import { Mutant, loadMutants } from './mutants';
import type { Ops } from './ops';
import { Rubric, loadRubric } from './rubric';

export interface Lab {
  name: string;
  rubric: Rubric;
  ops: Ops;
  fixtures: Record<string, Fixture>;
  mutants: Record<string, Mutant>;
  /** Repository-relative paths of the files students edit (`labs/<lab>/<file>`). */
  files: string[];
  /** Repository-relative path of the ops glue. */
  opsFile: string;
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
  const ops = (require(path.join(root, opsFile)) as { ops: Ops }).ops;
  const fixturesFile = path.join(root, 'fixtures', 'cases', `${name}.yaml`);
  const fixtures = fs.existsSync(fixturesFile) ? loadFixtures(fixturesFile, `fixtures/cases/${name}.yaml`) : {};
  const mutants = loadMutants(path.join(root, 'fixtures', 'mutants', name), `fixtures/mutants/${name}`);
  const rubric = loadRubric(rubricFile, `rubrics/${name}.yaml`, { lab: name, ops, fixtures: new Set(Object.keys(fixtures)), mutants: new Set(Object.keys(mutants)) });
  const lab: Lab = { name, rubric, ops, fixtures, mutants, files: rubric.files.map((f) => `labs/${name}/${f}`), opsFile };
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
