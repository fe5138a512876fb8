/**
 * Grader validation: are the graders right? For a lab,
 * - the reference scores full marks, and its backward passes agree with finite differences
 *   of its own forward on every drawn case;
 * - the stub scores zero, every item `not_implemented` (not a crash);
 * - each mutant (one known mistake) loses points on exactly the items it names, and every
 *   one of those items that names the mutant gives its diagnosis.
 */
import { ExpectedBundle, expectedFor } from '../core/expected';
import { applyMutant, mutantTree, referenceTree, startTrusted } from './expected-values';
import * as fs from 'fs';
import * as path from 'path';
import { affectedExports } from './callgraph';
import { againstOwnForward, gradeLab } from '../core/grade';
import type { Mutant } from '../core/mutants';
import { Lab, loadLab } from '../core/labs';
import { directoryTree, SourceTree } from '../host/modules';
import type { LabResult } from '../core/results';
import type { SandboxMode } from '../host/sandbox';
import { compareValues } from '../core/compare';
import { gradcheckText } from '../../emit/case-text';
import { gradientMatches } from '../core/rubric';
import { SpecDocument, formatIssue } from '../core/spec-files';
import { Values, hasContinuous, isFloatTensor } from '../core/values';
import { mapLimit } from '../core/pool';

export interface MutantVerdict {
  id: string;
  title: string;
  caught: boolean;
  /** Items that lost points. */
  lost: string[];
  /** Named in `loses` but kept full points. */
  missed: string[];
  /** Lost points but not named in `loses`. */
  unexpected: string[];
  /** Items that name the mutant, lost points, and did not give its diagnosis. */
  undiagnosed: string[];
  score: number;
}

export interface LabValidation {
  lab: string;
  ok: boolean;
  maxScore: number;
  reference: { score: number; ok: boolean; problems: string[] };
  stub: { score: number; ok: boolean; problems: string[] };
  mutants: MutantVerdict[];
  /** What every lab must have (README, "Adding a lab") and this one lacks, each with where. */
  requirements: string[];
}

/** The fewest known mistakes a lab's graders must be shown to catch. */
export const MIN_MUTANTS = 3;

/** What the test suite requires of every lab, checked here so that `validate` says it first. */
export function labRequirements(lab: Lab): string[] {
  const problems: string[] = [];
  if (!lab.rubric.items.some((it) => it.visibility !== 'visible')) {
    problems.push(`${lab.rubric.file}: no item is hidden or after_due_date; every lab keeps at least one back (a copied answer key cannot pass what it cannot see)`);
  }
  const mutants = Object.keys(lab.mutants).length;
  if (mutants < MIN_MUTANTS) {
    problems.push(`fixtures/mutants/${lab.name}/: ${mutants} mutant${mutants === 1 ? '' : 's'}; every lab needs at least ${MIN_MUTANTS} known mistakes that its graders are shown to catch`);
  }
  return problems;
}

/** Where a problem of a rubric item is, as `rubrics/<lab>.yaml:LINE:COL items[i].field: message`. */
function locator(root: string, lab: Lab): (at: PropertyKey[], message: string) => string {
  let doc: SpecDocument | undefined;
  return (at, message) => formatIssue((doc ??= SpecDocument.read(path.join(root, 'rubrics', `${lab.name}.yaml`), lab.rubric.file)).issue(at, message));
}

/** The line of an op's definition in its ops file (`mse: {` or `mse: op({`), for messages. */
export function opLocation(root: string, lab: Lab, op: string): string {
  const text = fs.readFileSync(path.join(root, lab.opsFile), 'utf8').split('\n');
  const escaped = op.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = text.findIndex((l) => new RegExp(`^\\s*['"]?${escaped}['"]?\\s*:`).test(l));
  return line < 0 ? lab.opsFile : `${lab.opsFile}:${line + 1}`;
}

/**
 * What the gradients of each backward item are named: every `grads` entry names an input of
 * every case (weights are inputs too) and selects a gradient the reference's backward returns;
 * without `grads`, a gradient under a name that is no input while a float input gets none is
 * misnamed (`{ dy }` for input `y`). Each problem located in the rubric and the ops file.
 */
export function gradientNameProblems(root: string, lab: Lab, expected: ExpectedBundle): string[] {
  const at = locator(root, lab);
  const problems: string[] = [];
  lab.rubric.items.forEach((item, i) => {
    if (item.check !== 'backward' || !expected.items[item.id]) return;
    const where = `op '${item.op}' (${opLocation(root, lab, item.op)})`;
    for (const e of expected.items[item.id].cases) {
      const inputs = Object.keys(e.inputs);
      (item.grads ?? []).forEach((name, k) => {
        if (!inputs.some((input) => gradientMatches(name, input))) {
          problems.push(at(['items', i, 'grads', k], `case "${e.label}": "${name}" is not an input of ${where} (its inputs: ${inputs.join(', ')}); gradients are named after the inputs they belong to, weights included`));
        } else if (!Object.keys(e.grads ?? {}).some((g) => gradientMatches(name, g))) {
          problems.push(at(['items', i, 'grads', k], `case "${e.label}": the backward of ${where} returns no gradient "${name}"; gradients are named after the inputs they belong to`));
        }
      });
      if (item.grads) continue;
      // Gradients of inner values (an expression's nodes) may have names of their own; but a
      // gradient under a name that is no input while a float input gets none is misnamed.
      const strays = Object.keys(e.grads ?? {}).filter((name) => !(name in e.inputs));
      const without = inputs.filter((name) => !(name in (e.grads ?? {})) && (typeof e.inputs[name] === 'number' || isFloatTensor(e.inputs[name])));
      if (strays.length && without.length) {
        const quoted = (names: string[]) => names.map((g) => `'${g}'`).join(', ');
        problems.push(at(['items', i, 'op'], `case "${e.label}": the backward of ${where} returns ${quoted(strays)}, which ${strays.length > 1 ? 'are' : 'is'} not among its inputs, and no gradient for ${quoted(without)}: gradients are named after the inputs they belong to`));
      }
    }
  });
  return problems;
}

/** The reference's gradients against finite differences of its own forward, on drawn cases. */
async function referenceSelfCheck(root: string, lab: Lab, expected: ExpectedBundle): Promise<string[]> {
  const at = locator(root, lab);
  const proc = startTrusted(root, lab);
  const problems: string[] = [];
  try {
    for (const [i, item] of lab.rubric.items.entries()) {
      if (item.check !== 'backward' || !item.gradcheck.numeric) continue;
      for (const [k, e] of expected.items[item.id].cases.entries()) {
        if (item.cases[k].fixture !== undefined) continue; // fixtures sit on kinks and extremes on purpose
        const r = await againstOwnForward(proc, item, e, e.grads ?? {}, 120000);
        // A check of nothing is no agreement (a gradient under a name that is no input checks 0 elements).
        const what = r.checked === 0 && r.problem !== 'could_not_run' ? 'the check of the reference\'s backward against finite differences of its forward checked 0 elements' : 'the reference\'s backward disagrees with finite differences of its forward';
        if (!r.agrees) problems.push(at(['items', i, 'cases', k], `${item.id}, case "${e.label}": ${what}: ${gradcheckText(r)}`));
      }
    }
  } finally {
    await proc.close();
  }
  return problems;
}

/**
 * For each item and each mutant it names: do the item's cases tell the mutant apart, by
 * continuous values, from the reference and from the item's other mutants? If not, a
 * student's answer could match its diagnosis by coincidence. Problems by mutant id.
 */
export function indistinctMutants(lab: Lab, expected: ExpectedBundle): Map<string, string[]> {
  const problems = new Map<string, string[]>();
  const add = (id: string, text: string) => problems.set(id, [...(problems.get(id) ?? []), text]);
  for (const item of lab.rubric.items) {
    const exp = expected.items[item.id];
    if (!exp) continue;
    const answer = (e: (typeof exp.cases)[number], id?: string): Values | undefined => {
      const v = id === undefined ? (item.check === 'forward' ? e.outputs : e.grads) : e.mutants[id]?.value;
      return v && item.check === 'forward' && item.outputs ? Object.fromEntries(item.outputs.map((o) => [o, v[o]])) : v;
    };
    const apart = (a: string | undefined, b: string) =>
      exp.cases.some((e) => {
        const x = answer(e, a);
        const y = answer(e, b);
        return x !== undefined && y !== undefined && hasContinuous(y) && !compareValues(x, y, item.tolerance).ok;
      });
    if (item.check === 'throws') {
      // The reference throws; a mutant is told apart by answering at all.
      for (const id of item.mutants) if (!exp.cases.some((e) => e.mutants[id]?.value !== undefined)) add(id, `(item ${item.id}: ${id} throws on every case too, so nothing tells it apart from the reference)`);
      continue;
    }
    for (const id of item.mutants) {
      if (!apart(undefined, id)) add(id, `(item ${item.id}: no case tells ${id} apart from the reference by continuous values, so its diagnosis could be quoted by coincidence)`);
      for (const other of item.mutants) {
        if (other !== id && !apart(other, id)) add(id, `(item ${item.id}: no case tells ${id} apart from ${other})`);
      }
    }
  }
  return problems;
}

export interface ValidateOptions {
  root: string;
  sandbox: SandboxMode;
  /** Gradings run at once (default 2). */
  concurrency?: number;
  onProgress?: (what: string) => void;
}

export async function validateLab(name: string, opts: ValidateOptions): Promise<LabValidation> {
  const { root, sandbox } = opts;
  const lab = loadLab(root, name);
  const expected = await expectedFor(root, lab);
  const grade = (tree: SourceTree) => gradeLab(lab, { root, tree, sandbox, expected });
  const maxScore = lab.rubric.items.reduce((s, it) => s + it.points, 0);

  const mutants = Object.values(lab.mutants);
  // A mutant is graded only on the items that run a function it changes (and those it names):
  // on the others it is the reference, which gets full marks.
  const sources = Object.fromEntries(lab.files.map((f) => [f, fs.readFileSync(path.join(root, 'reference', name, f.replace(`labs/${name}/`, '')), 'utf8')]));
  const graded = (m: Mutant): Lab => {
    const file = `labs/${name}/${m.file}`;
    const affected = affectedExports(sources, file, applyMutant(m, sources[file] ?? ''));
    if (!affected) return lab;
    const items = lab.rubric.items.filter((it) => m.loses.includes(it.id) || it.mutants.includes(m.id) || (expected.items[it.id]?.exercises ?? affected).some((f) => affected.includes(f)));
    return { ...lab, rubric: { ...lab.rubric, items } };
  };
  const gradeMutant = (m: Mutant) => gradeLab(graded(m), { root, tree: mutantTree(root, name, m), sandbox, expected });
  const jobs: Array<() => Promise<LabResult>> = [() => grade(referenceTree(root, name)), () => grade(directoryTree(root)), ...mutants.map((m) => () => gradeMutant(m))];
  const [refResult, stubResult, ...mutantResults] = await mapLimit(jobs, opts.concurrency ?? 2, (job) => job());
  opts.onProgress?.(`${name}: graded the reference, the stub and ${mutants.length} mutants`);

  const refProblems = refResult.items.filter((i) => i.score !== i.max_score).map((i) => `${i.id}: ${i.status}: ${i.message}`);
  refProblems.push(...gradientNameProblems(root, lab, expected), ...(await referenceSelfCheck(root, lab, expected)));
  const stubProblems = stubResult.items.filter((i) => i.score !== 0 || i.status !== 'not_implemented').map((i) => `${i.id}: ${i.status} (${i.score} points): ${i.message}`);

  const indistinct = indistinctMutants(lab, expected);
  const verdicts = mutants.map((m, k): MutantVerdict => {
    const r = mutantResults[k];
    const lost = r.items.filter((i) => i.score < i.max_score).map((i) => i.id);
    const missed = m.loses.filter((id) => !lost.includes(id));
    const unexpected = lost.filter((id) => !m.loses.includes(id));
    const naming = lab.rubric.items.filter((it) => it.mutants.includes(m.id)).map((it) => it.id);
    const undiagnosed = r.items.filter((i) => naming.includes(i.id) && lost.includes(i.id) && i.diagnosis !== m.diagnosis).map((i) => i.id);
    if (!m.loses.some((id) => naming.includes(id))) undiagnosed.push(`(no item in \`loses\` names ${m.id} in its mutants)`);
    undiagnosed.push(...(indistinct.get(m.id) ?? []));
    return { id: m.id, title: m.title, caught: missed.length === 0 && unexpected.length === 0 && undiagnosed.length === 0, lost, missed, unexpected, undiagnosed, score: r.score };
  });
  const reference = { score: refResult.score, ok: refProblems.length === 0, problems: refProblems };
  const stub = { score: stubResult.score, ok: stubProblems.length === 0, problems: stubProblems };
  const requirements = labRequirements(lab);
  return { lab: name, ok: reference.ok && stub.ok && verdicts.every((v) => v.caught) && requirements.length === 0, maxScore, reference, stub, mutants: verdicts, requirements };
}
