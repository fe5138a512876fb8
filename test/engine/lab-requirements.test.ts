/** validate says what every lab must have (README, "Adding a lab"), with where. */
import { loadLab } from '../../graders/engine/core/labs';
import { MIN_MUTANTS, labRequirements } from '../../graders/engine/authoring/validate';
import { ROOT } from '../support/paths';

test('a lab without a hidden item, or with too few mutants, is told so with the file to fix', () => {
  const lab = loadLab(ROOT, 'activations');
  expect(labRequirements(lab)).toEqual([]);
  const allVisible = { ...lab, rubric: { ...lab.rubric, items: lab.rubric.items.map((it) => ({ ...it, visibility: 'visible' as const })) } };
  expect(labRequirements(allVisible)).toEqual([expect.stringMatching(/^rubrics\/activations\.yaml: no item is hidden or after_due_date/)]);
  const fewMutants = { ...lab, mutants: Object.fromEntries(Object.entries(lab.mutants).slice(0, MIN_MUTANTS - 1)) };
  expect(labRequirements(fewMutants)).toEqual([expect.stringMatching(/^fixtures\/mutants\/activations\/: 2 mutants; every lab needs at least 3/)]);
});
