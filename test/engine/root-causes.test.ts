/**
 * Root-cause attribution: one seeded mistake in a basic function, and every downstream item
 * that fails because of it names the item to fix first; the lost points are grouped under it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gradeSubmission } from '../../graders/engine/core/grade';
import type { LabResult } from '../../graders/engine/core/results';
import { lostByRootCause, rootCauses } from '../../graders/engine/core/rootcause';
import { ROOT } from '../support/paths';

function withMistake(lab: string, file: string, from: string, to: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradecheck-root-'));
  fs.mkdirSync(path.join(dir, 'labs', lab), { recursive: true });
  for (const f of fs.readdirSync(path.join(ROOT, 'reference', lab))) {
    let text = fs.readFileSync(path.join(ROOT, 'reference', lab, f), 'utf8');
    if (f === file) {
      expect(text.includes(from)).toBe(true);
      text = text.replace(from, to);
    }
    fs.writeFileSync(path.join(dir, 'labs', lab, f), text);
  }
  return dir;
}

/** Every failing item but the root names the root, and the group holds all their lost points. */
function expectAttributed(lab: LabResult, root: string): void {
  const failing = lab.items.filter((i) => i.score < i.max_score);
  expect(failing.map((i) => i.id)).toContain(root);
  const downstream = failing.filter((i) => i.id !== root && i.visibility === 'visible');
  expect(downstream.length).toBeGreaterThan(0);
  for (const item of downstream) {
    expect([item.id, item.root_cause]).toEqual([item.id, root]);
    expect(item.hint).toContain(`This probably follows from ${root}`);
  }
  const { groups, lost } = lostByRootCause(lab);
  expect(groups[0].root).toBe(root);
  const visibleLost = failing.filter((i) => i.root_cause === root || i.id === root).reduce((s, i) => s + i.max_score - i.score, 0);
  expect(groups[0].lost).toBeCloseTo(visibleLost, 9);
  expect(groups[0].lost).toBeLessThanOrEqual(lost);
}

test('the dependency relation: a strict subset of the functions run, or a declared builds_on, followed to its end', () => {
  const facts = [
    { id: 'pe', exercises: ['pe'], buildsOn: [], visible: true },
    { id: 'layer', exercises: ['layer', 'norm'], buildsOn: [], visible: true },
    { id: 'lm', exercises: ['lm', 'layer', 'norm', 'pe'], buildsOn: [], visible: true },
    { id: 'zero_grad', exercises: ['Value'], buildsOn: ['tanh'], visible: true },
    { id: 'tanh', exercises: ['Value'], buildsOn: [], visible: true },
    { id: 'hidden.pe', exercises: ['pe'], buildsOn: [], visible: false },
  ];
  expect(Object.fromEntries(rootCauses(facts, new Set(['pe', 'lm', 'zero_grad', 'tanh', 'hidden.pe'])))).toEqual({ lm: 'pe', zero_grad: 'tanh' });
  // A hidden item is never named as a cause; nothing is attributed to a passing item.
  expect(Object.fromEntries(rootCauses(facts, new Set(['lm', 'hidden.pe'])))).toEqual({});
  expect(Object.fromEntries(rootCauses(facts, new Set(['layer', 'lm'])))).toEqual({ lm: 'layer' });
});

test('transformer: sin and cos swapped in the positional encoding; everything downstream names positional_encoding.forward', async () => {
  const dir = withMistake('transformer', 'positions.ts', 'pe.data[pos * d + 2 * i] = Math.sin(angle);', 'pe.data[pos * d + 2 * i] = Math.cos(angle);');
  const r = await gradeSubmission({ root: ROOT, submission: dir, labs: ['transformer'], sandbox: 'permission' });
  expectAttributed(r.labs[0], 'positional_encoding.forward');
}, 300000);

test('activations: a wrong softmax forward; the items that run it name softmax.forward', async () => {
  const dir = withMistake('activations', 'activations.ts', 'export function softmaxForward(x: Tensor): Tensor {', 'export function softmaxForward(x: Tensor): Tensor {\n  x = { shape: x.shape, data: x.data.map((v) => v * 1.5) };');
  const r = await gradeSubmission({ root: ROOT, submission: dir, labs: ['activations'], sandbox: 'permission' });
  expectAttributed(r.labs[0], 'softmax.forward');
}, 300000);
