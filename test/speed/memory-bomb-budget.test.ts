/**
 * A function that exhausts memory is not run again at full cost: the item's other cases are
 * not run, and later items that run the same function get a short budget that says why (as
 * for a function that ran out of time). A memory bomb in a function many items use then costs
 * one out-of-memory stop, not one per case and item.
 */
import { gradeItem } from '../../graders/engine/core/grade';
import type { ExpectedItem } from '../../graders/engine/core/expected';
import type { Item } from '../../graders/engine/core/rubric';
import { BUDGET, SlowFunctions, SubmissionBudgets, callBudget } from '../../graders/engine/host/budgets';
import { StudentProcess } from '../../graders/engine/host/student-process';
import { buildModules, directoryTree, mapTree, overlay } from '../../graders/engine/host/modules';
import { ROOT } from '../support/paths';

const bomb = `export function run(x: any) {
  if (x.data[0] > 0) { const hoard: Float64Array[] = []; for (;;) hoard.push(new Float64Array(1 << 22).fill(1)); }
  return { shape: x.shape, data: x.data };
}`;

function probe(source: string): StudentProcess {
  const tree = overlay(mapTree({ 'labs/probe/probe.ts': source }, 'test'), directoryTree(ROOT));
  const built = buildModules(ROOT, tree, ['labs/probe/probe.ts'], 'test/fixtures/probe.ops.ts');
  expect(built.problems).toEqual([]);
  return new StudentProcess(built.modules, { sandbox: 'permission', memoryMb: 64 });
}

const item = (id: string) =>
  ({ id, title: id, op: 'run', check: 'forward', points: 1, timeout: 30, scoring: 'proportional', hints: [], visibility: 'visible', tolerance: { rtol: 1e-6, atol: 1e-9 }, gradcheck: { numeric: false } }) as unknown as Item;

const x = (v: number) => ({ shape: [1], data: Float64Array.of(v) });
const exp = (...values: number[]): ExpectedItem => ({
  cases: values.map((v, i) => ({ label: `case ${i + 1}`, seed: i, inputs: { x: x(v) }, params: {}, outputs: { y: x(v) }, mutants: {}, ms: 1 })),
  diagnoses: {},
  exercises: ['run'],
});

test('after a case runs out of memory, the rest of the item is not run and later items that run the function get a short budget', async () => {
  const p = probe(bomb);
  const slow = new SlowFunctions();
  try {
    const first = await gradeItem(p, item('first'), exp(1, 2, 3), slow);
    expect(first.cases!.map((c) => c.status)).toEqual(['out_of_memory', 'out_of_memory', 'out_of_memory']);
    expect(first.cases![1].message).toBe('not run: case "case 1" of this item already ran out of memory');
    expect(p.starts).toBe(1);

    const later = await gradeItem(p, item('later'), exp(4), slow);
    expect(['out_of_memory', 'timed_out']).toContain(later.cases![0].status);
    if (later.cases![0].status === 'timed_out') expect(later.cases![0].message).toContain('a short budget, because run already ran out of memory in first');
    expect(p.starts).toBe(2);

    // A case that does not exhaust memory still runs, at its normal budget, and passes.
    const fine = await gradeItem(p, item('fine'), exp(0), new SlowFunctions());
    expect(fine.status).toBe('passed');
  } finally {
    await p.close();
  }
}, 120000);

test('the short budget names the function and the item where it ran out of memory', () => {
  const slow = new SlowFunctions();
  slow.record(['causalMask'], 'causal_mask', 'memory');
  const b = slow.budget(['causalMask', 'sdpaForward'], 1, { ms: 2000, why: 'normal' });
  expect(b).toMatchObject({ short: true });
  expect(b.ms).toBeLessThan(2000);
  expect(b.why).toBe('a short budget, because causalMask already ran out of memory in causal_mask');
});

// An endless allocation in a helper every function calls (a push in a loop that never ends)
// is found anew by each function's first item, as a loop is: out of memory counts with out of
// time toward the submission's reduced budgets, so it costs two full stops per submission.
test('two items out of memory, in any labs of the submission, reduce the budgets of its other functions', () => {
  const submission: SubmissionBudgets = {};
  const activations = new SlowFunctions(submission, 'activations');
  activations.record(['sigmoidForward'], 'sigmoid.forward', 'memory');
  expect(activations.budget(['tanhForward'], 0.1, callBudget(0.1, 10000)).ms).toBe(BUDGET.floorMs);
  const backprop = new SlowFunctions(submission, 'backprop');
  backprop.record(['linearForward'], 'linear.forward', 'memory');
  const reduced = backprop.budget(['mlpForward'], 0.1, callBudget(0.1, 10000));
  expect(reduced.ms).toBe(BUDGET.suspectFloorMs);
  expect(reduced.why).toContain('already ran out of time or memory in sigmoid.forward (lab activations: out of memory) and linear.forward (lab backprop: out of memory)');
  expect(activations.budget(['tanhForward'], 0.1, callBudget(0.1, 10000)).ms).toBe(reduced.ms);
});
