/**
 * Identical wrong numbers (graders/report/identical.ts): students who share a failing answer
 * bit for bit are grouped, unless the reference, a known mistake or a trivial answer explains it,
 * and the known answers are digested exactly as the students' answers are.
 */
import { expectedFor } from '../../graders/engine/core/expected';
import { loadLab } from '../../graders/engine/core/labs';
import { ItemResult, Results } from '../../graders/engine/core/results';
import { valueDigest } from '../../graders/engine/core/values';
import { KnownAnswers, identicalWrongAnswers, knownAnswersOf } from '../../graders/report/identical';
import { ROOT } from '../support/paths';

/** A failing item whose cases returned answers with these digests. */
function failing(id: string, digests: Record<string, string>, extra: Partial<ItemResult> = {}): ItemResult {
  const cases = Object.entries(digests).map(([label, value_digest]) => ({ label, status: 'wrong_value' as const, message: 'off', value_digest }));
  return { id, title: id, score: 0, max_score: 1, status: 'wrong_value', message: 'off', visibility: 'visible', duration_ms: 1, cases, ...extra };
}

function results(student: string, items: ItemResult[]): Results {
  return {
    format: 'gradecheck/results',
    version: 2,
    submission: student,
    score: 0,
    max_score: items.length,
    sandbox: 'none',
    labs: [{ lab: 'lab', title: 'Lab', score: 0, max_score: items.length, status: 'graded', message: '', notes: [], items }],
  };
}

const KNOWN: KnownAnswers = {
  lab: {
    f: { a: { digests: ['reference', 'mutant'], continuous: true }, b: { digests: ['reference-b'], continuous: true } },
    ids: { a: { digests: ['reference'], continuous: false } },
  },
};

const classOf = (entries: Array<[string, ItemResult[]]>) => new Map(entries.map(([s, items]) => [s, results(s, items)]));

describe('identical wrong numbers', () => {
  test('groups the students who share an answer nothing known explains, with the items and cases', () => {
    const out = identicalWrongAnswers(
      classOf([
        ['ann', [failing('f', { a: 'odd', b: 'odd-b' })]],
        ['ben', [failing('f', { a: 'odd', b: 'odd-b' })]],
        ['cat', [failing('f', { a: 'other', b: 'odd-b' })]],
      ]),
      KNOWN,
      5,
    );
    // As many items and answers each: the smaller group first.
    expect(out.groups).toEqual([
      { students: ['ann', 'ben'], answers: [{ lab: 'lab', item: 'f', title: 'f', case: 'a', status: 'wrong_value' }] },
      { students: ['ann', 'ben', 'cat'], answers: [{ lab: 'lab', item: 'f', title: 'f', case: 'b', status: 'wrong_value' }] },
    ]);
  });

  test("students sharing a known mistake's numbers are not flagged, nor those diagnosed with one", () => {
    const out = identicalWrongAnswers(
      classOf([
        ['ann', [failing('f', { a: 'mutant' })]],
        ['ben', [failing('f', { a: 'mutant' })]],
        // Diagnosed as a known mistake, written so that it rounds otherwise than the mutant.
        ['cat', [failing('f', { a: 'near-mutant' }, { diagnosed_by: 'm', diagnosis: 'd' })]],
        ['dan', [failing('f', { a: 'near-mutant' }, { diagnosed_by: 'm', diagnosis: 'd' })]],
      ]),
      KNOWN,
      5,
    );
    expect(out.groups).toEqual([]);
  });

  test('a failure that follows from a more basic failing item is left to that item', () => {
    const downstream = (s: string): [string, ItemResult[]] => [s, [failing('f', { a: 'odd' }, { root_cause: 'basic' })]];
    expect(identicalWrongAnswers(classOf([downstream('ann'), downstream('ben')]), KNOWN, 5).groups).toEqual([]);
  });

  test('students who all have one known mistake in the lab share its consequences on other items', () => {
    const diagnosedElsewhere = (s: string, mutant: string): [string, ItemResult[]] => [s, [failing('ids', { a: 'reference' }, { diagnosed_by: mutant, diagnosis: 'd' }), failing('f', { a: 'odd' })]];
    expect(identicalWrongAnswers(classOf([diagnosedElsewhere('ann', 'm'), diagnosedElsewhere('ben', 'm')]), KNOWN, 5).groups).toEqual([]);
    // Different known mistakes explain nothing they share.
    const other = identicalWrongAnswers(classOf([diagnosedElsewhere('ann', 'm'), diagnosedElsewhere('ben', 'n')]), KNOWN, 5);
    expect(other.groups.map((g) => g.students)).toEqual([['ann', 'ben']]);
  });

  test('discrete answers (ids, masks) coincide too easily to count', () => {
    const out = identicalWrongAnswers(classOf([['ann', [failing('ids', { a: 'x' })]], ['ben', [failing('ids', { a: 'x' })]]]), KNOWN, 5);
    expect(out.groups).toEqual([]);
  });

  test('an answer more students share than the group limit is a common mistake, not a group', () => {
    const many = ['ann', 'ben', 'cat', 'dan'].map((s): [string, ItemResult[]] => [s, [failing('f', { a: 'odd' })]]);
    const out = identicalWrongAnswers(classOf(many), KNOWN, 3);
    expect(out.groups).toEqual([]);
    expect(out.common).toEqual([{ lab: 'lab', item: 'f', title: 'f', case: 'a', status: 'wrong_value', students: ['ann', 'ben', 'cat', 'dan'] }]);
  });

  test('a lab without known answers is not checked, and says so', () => {
    const out = identicalWrongAnswers(classOf([['ann', [failing('f', { a: 'odd' })]], ['ben', [failing('f', { a: 'odd' })]]]), {}, 5);
    expect(out.groups).toEqual([]);
    expect(out.unchecked).toEqual(['lab']);
  });

  test("known answers are digested as a student's answer is: the whole value of the item's check", async () => {
    const lab = loadLab(ROOT, 'activations');
    const bundle = await expectedFor(ROOT, lab);
    const known = knownAnswersOf(lab, bundle);
    for (const item of lab.rubric.items) {
      for (const e of bundle.items[item.id].cases) {
        // What a student whose code returned the reference's answer, or a mutant's, would have as value_digest.
        const answer = item.check === 'forward' ? e.outputs : e.grads!;
        expect(known[item.id][e.label].digests).toContain(valueDigest(answer));
        for (const m of Object.values(e.mutants)) if (m.value) expect(known[item.id][e.label].digests).toContain(valueDigest(m.value));
      }
    }
    const sigmoid = bundle.items['sigmoid.backward'].cases[0];
    expect(known['sigmoid.backward'][sigmoid.label].continuous).toBe(true);
    // Trivial answers: zeros of either sign (bit for bit, -0 is not 0), and NaN.
    const x = sigmoid.grads!.x as { shape: number[]; data: Float64Array };
    for (const fill of [0, -0, NaN]) expect(known['sigmoid.backward'][sigmoid.label].digests).toContain(valueDigest({ x: { shape: x.shape, data: new Float64Array(x.data.length).fill(fill) } }));
  });
});
