/**
 * Diagnoses only on evidence: a known mistake's diagnosis is quoted when continuous values
 * tell it apart and the student matches it on every item it changes; discrete outputs (token
 * ids) never decide one alone; validate reports a mutant its cases cannot tell apart.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expectedFor } from '../../graders/engine/core/expected';
import { computeExpected, mutantTree } from '../../graders/engine/authoring/expected-values';
import { gradeLab, gradeSubmission } from '../../graders/engine/core/grade';
import { loadLab } from '../../graders/engine/core/labs';
import type { ItemResult, Results } from '../../graders/engine/core/results';
import { indistinctMutants } from '../../graders/engine/authoring/validate';
import { ROOT } from '../support/paths';
import { tempDir } from '../support/temp';

/** A submission holding the reference of `lab` with some text replaced in one file. */
function withMistake(lab: string, file: string, replacements: Array<[string, string]>): string {
  const dir = tempDir('diag');
  fs.mkdirSync(path.join(dir, 'labs', lab), { recursive: true });
  for (const f of fs.readdirSync(path.join(ROOT, 'reference', lab))) {
    let text = fs.readFileSync(path.join(ROOT, 'reference', lab, f), 'utf8');
    if (f === file) {
      for (const [from, to] of replacements) {
        expect(text.includes(from)).toBe(true);
        text = text.replace(from, to);
      }
    }
    fs.writeFileSync(path.join(dir, 'labs', lab, f), text);
  }
  return dir;
}

const items = (r: Results): Record<string, ItemResult> => Object.fromEntries(r.labs[0].items.map((i) => [i.id, i]));

test('a backward that matches a mistake on its own items, with a forward that does not, quotes no diagnosis (it would be false)', async () => {
  // The forward is the mean (right); only the backward lacks 1/N.
  const dir = withMistake('backprop', 'layers.ts', [['dlogits.data[n * C + j] = (dloss * (p - onehot)) / N;', 'dlogits.data[n * C + j] = dloss * (p - onehot);']]);
  const r = items(await gradeSubmission({ root: ROOT, submission: dir, labs: ['backprop'], sandbox: 'permission' }));
  expect(r['cross_entropy.forward'].status).toBe('passed');
  expect(r['cross_entropy.backward'].status).toBe('wrong_value');
  expect(r['cross_entropy.backward'].diagnosis).toBeUndefined();
  // The whole mistake (forward and backward summed) is still diagnosed, on each item it changes.
  const both = withMistake('backprop', 'layers.ts', [
    ['  return total / N;', '  return total;'],
    ['dlogits.data[n * C + j] = (dloss * (p - onehot)) / N;', 'dlogits.data[n * C + j] = dloss * (p - onehot);'],
  ]);
  const s = items(await gradeSubmission({ root: ROOT, submission: both, labs: ['backprop'], sandbox: 'permission' }));
  for (const id of ['cross_entropy.forward', 'cross_entropy.backward']) expect([id, s[id].diagnosed_by]).toEqual([id, 'cross-entropy-not-averaged']);
}, 300000);

test('a mistake upstream of sampling (sin and cos swapped) makes token ids fail, and no diagnosis is quoted from them', async () => {
  const dir = withMistake('transformer', 'positions.ts', [
    ['pe.data[pos * d + 2 * i] = Math.sin(angle);', 'pe.data[pos * d + 2 * i] = Math.cos(angle);'],
    ['if (2 * i + 1 < d) pe.data[pos * d + 2 * i + 1] = Math.cos(angle);', 'if (2 * i + 1 < d) pe.data[pos * d + 2 * i + 1] = Math.sin(angle);'],
  ]);
  const r = await gradeSubmission({ root: ROOT, submission: dir, labs: ['transformer'], sandbox: 'permission' });
  const byId = items(r);
  expect(byId['generate.forward'].status).not.toBe('passed');
  const quoted = r.labs[0].items.filter((i) => i.diagnosis !== undefined).map((i) => `${i.id}: ${i.diagnosed_by}`);
  expect(quoted).toEqual([]);
}, 300000);

test('validate reports a mutant that an item names but whose cases cannot tell it apart', async () => {
  const lab = loadLab(ROOT, 'transformer');
  // sample_tokens.forward returns token ids only: naming a mutant there can only be coincidence.
  const item = { ...lab.rubric.items.find((it) => it.id === 'sample_tokens.forward')!, mutants: ['temperature-multiplied'] };
  const patched = { ...lab, rubric: { ...lab.rubric, items: [item] } };
  const expected = await computeExpected(ROOT, patched, [item], 'test');
  const problems = indistinctMutants(patched, expected);
  expect(problems.get('temperature-multiplied')).toEqual([expect.stringContaining('no case tells temperature-multiplied apart from the reference by continuous values')]);
  // A student who made exactly that mistake matches the mutant's token ids, yet is not told
  // its diagnosis from them: ids alone never decide.
  const graded = await gradeLab(patched, { root: ROOT, tree: mutantTree(ROOT, 'transformer', lab.mutants['temperature-multiplied']), sandbox: 'permission', expected });
  expect(graded.items[0].status).not.toBe('passed');
  expect(graded.items[0].diagnosis).toBeUndefined();
  // The real rubric has no such item.
  expect([...indistinctMutants(lab, await expectedFor(ROOT, lab)).entries()]).toEqual([]);
}, 300000);
