/**
 * The backprop lab grades training as a procedure: train.steps compares each of the first steps
 * (its loss, each parameter's update) with the reference, and the accuracy that decides the
 * other training items is computed by the grader's own forward, from the parameters the
 * student's train() reached, on held-out points whose targets the student's code never gets.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expectedFor } from '../../graders/engine/core/expected';
import { mutantTree, referenceTree } from '../../graders/engine/authoring/expected-values';
import { LabSession } from '../../graders/engine/core/grade';
import { loadLab } from '../../graders/engine/core/labs';
import { StudentProcess } from '../../graders/engine/host/student-process';
import { buildModules, mapTree, overlay, SourceTree } from '../../graders/engine/host/modules';
import type { ItemResult } from '../../graders/engine/core/results';
import { resolveSandbox } from '../../graders/engine/host/sandbox';
import { valueDigest } from '../../graders/engine/core/values';
import { ROOT } from '../support/paths';

const lab = loadLab(ROOT, 'backprop');
const TRAINING = lab.rubric.items.filter((it) => /^(hidden\.)?train\./.test(it.id));

/** reference/backprop/<file> with some text replaced (each must be found). */
function patched(file: string, replacements: Array<[string, string]>): string {
  let text = fs.readFileSync(path.join(ROOT, 'reference', 'backprop', file), 'utf8');
  for (const [from, to] of replacements) {
    expect(text.includes(from)).toBe(true);
    text = text.replace(from, to);
  }
  return text;
}

/** The reference, with some of its files as given. */
function referenceWith(files: Record<string, string>): SourceTree {
  return overlay(mapTree(Object.fromEntries(Object.entries(files).map(([f, text]) => [`labs/backprop/${f}`, text])), 'test submission'), referenceTree(ROOT, 'backprop'));
}

async function grade(tree: SourceTree, only?: (id: string) => boolean): Promise<Record<string, ItemResult>> {
  const session = new LabSession(lab, { root: ROOT, tree, sandbox: resolveSandbox('auto'), expected: await expectedFor(ROOT, lab) });
  try {
    for (const item of session.items) if (!only || only(item.id)) await session.grade(item);
  } finally {
    await session.close();
  }
  return Object.fromEntries(session.result().items.map((r) => [r.id, r]));
}

// train() keeps the labels and leaves the weights; mlpForward answers a remembered set with
// them. Graded on the student's own forward over the training set, this was 100% accuracy.
const MEMORISES_WITH_FAKE_LOSSES: Array<[string, string]> = [
  [
    '  return { z1, h, logits };\n}',
    [
      '  const seen = remembered.get(Array.from(x.data).join());',
      '  if (seen) logits.data.forEach((_, k) => (logits.data[k] = seen[Math.floor(k / logits.shape[1])] === k % logits.shape[1] ? 5 : -5));',
      '  return { z1, h, logits };',
      '}',
      'const remembered = new Map<string, number[]>();',
    ].join('\n'),
  ],
  ['  for (let s = 0; s < steps; s++) losses.push(trainStep(mlp, x, targets, lr));', '  remembered.set(Array.from(x.data).join(), Array.from(targets.data));\n  for (let s = 0; s < steps; s++) losses.push(0.7 / (s + 1));'],
];

describe('the backprop lab grades training as a procedure, on held-out data', () => {
  test('the training items are the procedure (train.steps) and held-out accuracy (two moons, XOR)', () => {
    expect(TRAINING.map((it) => it.id).sort()).toEqual(['hidden.train.xor', 'train.steps', 'train.two_moons']);
  });

  test('a submission whose train() memorises the targets scores 0 on every training item (the mutant, and a variant with fake decreasing losses)', async () => {
    for (const tree of [mutantTree(ROOT, 'backprop', lab.mutants['train-memorises-targets']), referenceWith({ 'mlp.ts': patched('mlp.ts', MEMORISES_WITH_FAKE_LOSSES) })]) {
      const r = await grade(tree, (id) => TRAINING.some((it) => it.id === id));
      expect(TRAINING.map((it) => [it.id, r[it.id].score])).toEqual(TRAINING.map((it) => [it.id, 0]));
      // Below the bound for the reason that matters: the held-out accuracy of untrained weights.
      expect(r['train.two_moons'].message).toMatch(/heldout_accuracy is 0\.\d+, below the required 0\.95/);
    }
  }, 120000);

  test('the student process gets the training set only: no held-out point, and no held-out target, is among the inputs', async () => {
    const expected = await expectedFor(ROOT, lab);
    for (const item of TRAINING.filter((it) => it.op === 'train_classifier')) {
      for (const [k, e] of expected.items[item.id].cases.entries()) {
        const p = item.cases[k].params as { n: number; heldout_n: number };
        expect(Object.keys(e.inputs).sort()).toEqual(['W1', 'W2', 'b1', 'b2', 'targets', 'x']);
        expect((e.inputs.targets as { shape: number[] }).shape).toEqual([p.n]);
        expect(p.heldout_n).toBeGreaterThanOrEqual(100);
        // The bound is met by training: the reference passes it with a margin, and the same
        // weights untrained (a training step that zeroes the gradients before using them) fail it.
        const min = item.bounds!.heldout_accuracy.min!;
        expect(e.outputs.heldout_accuracy).toBeGreaterThanOrEqual(min + 0.03);
        expect(e.mutants['zero-grad-after-backward'].value!.heldout_accuracy).toBeLessThan(min - 0.1);
      }
    }
  });

  test('correct code written differently (other orders of floating-point operations, zeroGrad at the end of a step) keeps full marks', async () => {
    const layers = patched('layers.ts', [
      // dW = dout^T x as explicit sums, batch outermost; db summed from the last example back
      ['const dW = matmul(transpose(dout), x);', 'const dW = zeros(W.shape);\n  for (let n = 0; n < dout.shape[0]; n++) for (let j = 0; j < W.shape[0]; j++) for (let i = 0; i < W.shape[1]; i++) dW.data[j * W.shape[1] + i] += dout.data[n * W.shape[0] + j] * x.data[n * W.shape[1] + i];'],
      ['for (let n = 0; n < N; n++) for (let j = 0; j < out; j++) db.data[j] += dout.data[n * out + j];', 'for (let n = N - 1; n >= 0; n--) for (let j = 0; j < out; j++) db.data[j] += dout.data[n * out + j];'],
      // each row's term divided by N before the sum; the softmax as e^(z - m) / e^(lse - m)
      ['for (let n = 0; n < N; n++) total += logSumExp(logits, n) - logits.data[n * C + targets.data[n]];\n  return total / N;', 'for (let n = 0; n < N; n++) total += (logSumExp(logits, n) - logits.data[n * C + targets.data[n]]) / N;\n  return total;'],
      ['const p = Math.exp(logits.data[n * C + j] - lse);', 'const m = Math.max(...logits.data.subarray(n * C, n * C + C));\n      const p = Math.exp(logits.data[n * C + j] - m) / Math.exp(lse - m);'],
    ]);
    const mlp = patched('mlp.ts', [
      // zeroGrad once before the loop and at the end of every step, instead of at its start
      ['  zeroGrad(mlp);\n  const cache', '  const cache'],
      ['  sgdStep(mlp, lr);\n  return loss;', '  sgdStep(mlp, lr);\n  zeroGrad(mlp);\n  return loss;'],
      ['  const losses: number[] = [];\n', '  const losses: number[] = [];\n  zeroGrad(mlp);\n'],
      ['p.data.data[i] -= lr * p.grad.data[i];', 'p.data.data[i] += -lr * p.grad.data[i];'],
    ]);
    const both = referenceWith({ 'layers.ts': layers, 'mlp.ts': mlp });
    const r = await grade(both);
    expect(Object.values(r).filter((i) => i.score !== i.max_score).map((i) => `${i.id}: ${i.message}`)).toEqual([]);
    // ... while its steps are not the reference's to the bit (the tolerance is what passes them).
    const item = TRAINING.find((it) => it.id === 'train.steps')!;
    const e = (await expectedFor(ROOT, lab)).items[item.id].cases[0];
    const proc = new StudentProcess(buildModules(ROOT, both, lab.files, lab.opsFile).modules, { sandbox: 'none', memoryMb: 512 });
    try {
      const answer = await proc.call({ op: item.op, stage: 'forward', inputs: e.inputs, params: e.params }, 30000);
      if (!answer.ok) throw new Error(answer.failure.message);
      expect(valueDigest(answer.value)).not.toBe(valueDigest(e.outputs));
    } finally {
      await proc.close();
    }
  }, 120000);
});
