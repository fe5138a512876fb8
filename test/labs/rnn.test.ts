import { Rng } from '../../labs/common/rng';
import { expectedFor } from '../../graders/engine/core/expected';
import { loadLab } from '../../graders/engine/core/labs';
import { spikeSequences, spikeTrainingSet } from '../../graders/rnn.ops';
import { labSuite } from '../support/lab-suite';
import { ROOT } from '../support/paths';

labSuite('rnn', { minMutants: 34 });

// task.seq2vec passes a case when the student's prediction equals the reference's. That is
// the held-out label only if the reference classifies every held-out sequence right: then
// the item's proportional score is the student's held-out accuracy.
describe('the rnn lab, sequence classification (task.seq2vec)', () => {
  const lab = loadLab(ROOT, 'rnn');
  const item = lab.rubric.items.find((it) => it.id === 'task.seq2vec')!;

  test('the reference classifies every held-out sequence right, so a case passes exactly when its label is predicted', async () => {
    const cases = (await expectedFor(ROOT, lab)).items[item.id].cases;
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const wrong = cases.filter((e) => {
      const label = spikeSequences(new Rng(e.seed), 1, Number(e.params.T)).labels.data[0];
      return e.outputs.prediction !== label;
    });
    expect(wrong.map((e) => e.label)).toEqual([]);
    // Both classes are held out, so predicting one class for everything cannot pass.
    const positives = cases.filter((e) => e.outputs.prediction === 1).length;
    expect(positives).toBeGreaterThan(cases.length / 4);
    expect(positives).toBeLessThan((3 * cases.length) / 4);
  });

  test('the student process receives the held-out sequence, never its label, and none of the training sequences', async () => {
    const cases = (await expectedFor(ROOT, lab)).items[item.id].cases;
    const p = item.cases[0].params as { T: number; train: number; data_seed: number };
    const train = spikeTrainingSet(p).x.data;
    const seen = new Set(Array.from({ length: p.train }, (_, n) => train.subarray(n * p.T, (n + 1) * p.T).join(',')));
    for (const e of cases) {
      expect(Object.keys(e.inputs)).toEqual(['x']);
      expect(seen.has((e.inputs.x as { data: Float64Array }).data.join(','))).toBe(false);
    }
  });
});
