/**
 * The rnn lab grades training as a procedure: task.rnn.steps and task.rnn.clipping compare the
 * first steps of a fixed-seed run (initial weights, each step's loss, gradient norm and update)
 * with the reference, and task.rnn's test loss is computed by the grader, with its own forward,
 * from the weights the student's trainNextStep returns, on held-out values the student's code
 * never receives.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expectedFor } from '../../graders/engine/core/expected';
import { mutantTree, referenceTree } from '../../graders/engine/authoring/expected-values';
import { LabSession } from '../../graders/engine/core/grade';
import { loadLab } from '../../graders/engine/core/labs';
import type { ItemResult } from '../../graders/engine/core/results';
import { StudentProcess } from '../../graders/engine/host/student-process';
import { buildModules, mapTree, overlay, SourceTree } from '../../graders/engine/host/modules';
import { resolveSandbox } from '../../graders/engine/host/sandbox';
import { valueDigest } from '../../graders/engine/core/values';
import { nextStepSeries } from '../../graders/rnn.inputs';
import { ROOT } from '../support/paths';

const lab = loadLab(ROOT, 'rnn');
const TRAINING = lab.rubric.items.filter((it) => it.op === 'next_step' || it.op === 'next_step_steps');

/** reference/rnn/train.ts with some text replaced (each must be found once). */
function patchedTrain(replacements: Array<[string, string]>): string {
  let text = fs.readFileSync(path.join(ROOT, 'reference', 'rnn', 'train.ts'), 'utf8');
  for (const [from, to] of replacements) {
    expect(text.split(from).length).toBe(2);
    text = text.replace(from, to);
  }
  return text;
}

/** The reference, with train.ts as given. */
function referenceWithTrain(text: string): SourceTree {
  return overlay(mapTree({ 'labs/rnn/train.ts': text }, 'test submission'), referenceTree(ROOT, 'rnn'));
}

async function gradeTraining(tree: SourceTree): Promise<Record<string, ItemResult>> {
  const session = new LabSession(lab, { root: ROOT, tree, sandbox: resolveSandbox('auto'), expected: await expectedFor(ROOT, lab) });
  try {
    for (const item of session.items) if (TRAINING.some((it) => it.id === item.id)) await session.grade(item);
  } finally {
    await session.close();
  }
  return Object.fromEntries(session.result().items.map((r) => [r.id, r]));
}

const lost = (r: Record<string, ItemResult>) =>
  Object.values(r)
    .filter((i) => i.score < i.max_score)
    .map((i) => i.id)
    .sort();

describe('the rnn lab grades training as a procedure, on held-out data', () => {
  test('the training items: the steps with clipping inactive and active, the RNN test loss, the LSTM test loss after the due date', () => {
    expect(TRAINING.map((it) => it.id).sort()).toEqual(['hidden.task.lstm', 'task.rnn', 'task.rnn.clipping', 'task.rnn.steps']);
  });

  test('the reference keeps full marks on every training item', async () => {
    const r = await gradeTraining(referenceTree(ROOT, 'rnn'));
    expect(Object.values(r).map((i) => [i.id, i.score])).toEqual(TRAINING.map((it) => [it.id, it.points]));
  }, 120000);

  // The four mistakes of issue 13, and a wrong update: each loses points on its own items,
  // with its diagnosis on each item that names it.
  const MISTAKES: Array<[string, string[]]> = [
    ['train-no-clipping', ['task.rnn.clipping']],
    ['train-clips-each-tensor', ['task.rnn.clipping']],
    ['train-targets-not-shifted', ['hidden.task.lstm', 'task.rnn', 'task.rnn.clipping', 'task.rnn.steps']],
    ['train-loss-grad-not-averaged', ['task.rnn.clipping', 'task.rnn.steps']],
    ['train-update-ascends', ['hidden.task.lstm', 'task.rnn', 'task.rnn.clipping', 'task.rnn.steps']],
  ];
  test.each(MISTAKES)('%s loses points on exactly its training items, each diagnosed', async (id, items) => {
    const mutant = lab.mutants[id];
    const r = await gradeTraining(mutantTree(ROOT, 'rnn', mutant));
    expect(lost(r)).toEqual(items);
    for (const item of TRAINING.filter((it) => it.mutants.includes(id) && items.includes(it.id))) {
      expect([item.id, r[item.id].diagnosis]).toEqual([item.id, mutant.diagnosis]);
    }
  }, 120000);

  test('the same mistakes written another way lose the same items: no clipGradNorm call at all, unshifted targets by an index, a summed loss gradient', async () => {
    const noClip = patchedTrain([
      ['const { grads: clipped, totalNorm } = clipGradNorm(backward(), options.maxNorm);', 'const clipped = backward();\n    const totalNorm = Math.sqrt(clipped.reduce((s, g) => s + g.data.reduce((a, v) => a + v * v, 0), 0));'],
    ]);
    expect(lost(await gradeTraining(referenceWithTrain(noClip)))).toEqual(['task.rnn.clipping']);
    const unshifted = patchedTrain([['x.data[n * T + t] = values[s + t];', 'x.data[n * T + t] = values[s + t + 1];']]);
    expect(lost(await gradeTraining(referenceWithTrain(unshifted)))).toEqual(['hidden.task.lstm', 'task.rnn', 'task.rnn.clipping', 'task.rnn.steps']);
    const summed = patchedTrain([['dp.data[i] = (2 * e) / p.data.length;', 'dp.data[i] = e + e;']]);
    expect(lost(await gradeTraining(referenceWithTrain(summed)))).toEqual(['task.rnn.clipping', 'task.rnn.steps']);
  }, 240000);

  test('a trainNextStep that does not train, with made-up decreasing losses, scores 0 on the test-loss items: the grader measures the weights', async () => {
    const fake = patchedTrain([
      ['    weightsOf(model).forEach((w, k) => {\n      for (let i = 0; i < w.data.length; i++) w.data[i] -= options.lr * clipped[k].data[i];\n    });', '    losses[step] = 1 / (step + 2);'],
    ]);
    const r = await gradeTraining(referenceWithTrain(fake));
    expect([r['task.rnn'].score, r['hidden.task.lstm'].score]).toEqual([0, 0]);
    expect(r['task.rnn'].message).toMatch(/final_loss is \d+\.\d+, above the allowed 0\.15/);
  }, 120000);

  test('the student process gets the training part of the series only, never the held-out values', async () => {
    const expected = await expectedFor(ROOT, lab);
    for (const item of TRAINING) {
      for (const [k, e] of expected.items[item.id].cases.entries()) {
        const p = item.cases[k].params as { data_seed: number; length: number; heldout: number };
        const whole = nextStepSeries(p);
        expect(Object.keys(e.inputs)).toEqual(['series']);
        const given = (e.inputs.series as { data: Float64Array }).data;
        expect(Array.from(given)).toEqual(Array.from(whole.train.data));
        expect(given.length).toBe(p.length - p.heldout);
        expect(p.heldout).toBeGreaterThanOrEqual(100);
      }
    }
    // The bound is met by training: the reference passes with a margin.
    for (const item of TRAINING.filter((it) => it.op === 'next_step')) {
      const e = expected.items[item.id].cases[0];
      expect(e.outputs.final_loss as number).toBeLessThan(item.bounds!.final_loss.max! * 0.7);
    }
  });

  test('the clipping item clips at every step, the steps item at none (so each sees what it claims to)', async () => {
    const expected = await expectedFor(ROOT, lab);
    for (const [id, clipped] of [['task.rnn.steps', false], ['task.rnn.clipping', true]] as const) {
      const item = TRAINING.find((it) => it.id === id)!;
      for (const [k, e] of expected.items[id].cases.entries()) {
        const maxNorm = item.cases[k].params!.maxNorm as number;
        const norms = Array.from((e.outputs.grad_norms as { data: Float64Array }).data);
        const applied = Array.from((e.outputs.step_norm as { data: Float64Array }).data);
        expect(norms.length).toBe(5);
        for (const [s, n] of norms.entries()) {
          expect(n > maxNorm).toBe(clipped);
          // what the step applied: maxNorm when clipping acts, the raw gradient's norm otherwise
          expect(applied[s]).toBeCloseTo(clipped ? maxNorm : n, 5);
        }
      }
    }
  });

  test('correct code written differently (another order of the sums, clipping by hand, w += -lr g) keeps full marks', async () => {
    const rewrite = patchedTrain([
      // the loss as a sum divided once; dp as (p - y) * 2 / N / T
      ['    loss += (e * e) / p.data.length;\n    dp.data[i] = (2 * e) / p.data.length;', '    loss += e * e;\n    dp.data[i] = ((e * 2) / N) / T;'],
      ['  const backward = () => {', '  loss /= p.data.length;\n  const backward = () => {'],
      // the global norm summed from the last gradient back, the scale applied by hand
      [
        'const { grads: clipped, totalNorm } = clipGradNorm(backward(), options.maxNorm);',
        'const grads = backward();\n    let sq = 0;\n    for (let k = grads.length - 1; k >= 0; k--) for (let i = grads[k].data.length - 1; i >= 0; i--) sq += grads[k].data[i] ** 2;\n    const totalNorm = Math.sqrt(sq);\n    const coef = Math.min(1, options.maxNorm / (totalNorm + 1e-6));\n    const clipped = grads.map((g) => ({ shape: g.shape, data: g.data.map((v) => v * coef) }));\n    void clipGradNorm;',
      ],
      ['w.data[i] -= options.lr * clipped[k].data[i];', 'w.data[i] += -options.lr * clipped[k].data[i];'],
    ]);
    const tree = referenceWithTrain(rewrite);
    const r = await gradeTraining(tree);
    expect(Object.values(r).filter((i) => i.score !== i.max_score).map((i) => `${i.id}: ${i.message}`)).toEqual([]);
    // ... while its steps are not the reference's to the bit (the tolerance is what passes them).
    const item = TRAINING.find((it) => it.id === 'task.rnn.steps')!;
    const e = (await expectedFor(ROOT, lab)).items[item.id].cases[0];
    const proc = new StudentProcess(buildModules(ROOT, tree, lab.files, lab.opsFile).modules, { sandbox: 'none', memoryMb: 512 });
    try {
      const answer = await proc.call({ op: item.op, stage: 'forward', inputs: e.inputs, params: e.params }, 30000);
      if (!answer.ok) throw new Error(answer.failure.message);
      const { step_norm: _s, ...expectedOutputs } = e.outputs;
      expect(valueDigest(answer.value)).not.toBe(valueDigest(expectedOutputs));
    } finally {
      await proc.close();
    }
  }, 120000);
});
