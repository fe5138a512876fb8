/**
 * Time budgets from evidence: an infinite loop in a function that many items run costs its
 * full budget once, not once per item; a correct implementation 20 times slower than the
 * reference keeps full marks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BUDGET, SlowFunctions, callBudget, loadBudget, suspectBudget } from '../../graders/engine/host/budgets';
import { directCalls, exercised } from '../../graders/engine/authoring/callgraph';
import { expectedFor } from '../../graders/engine/core/expected';
import { gradeLab, gradeSubmission, submissionTree } from '../../graders/engine/core/grade';
import { computeExpected } from '../../graders/engine/authoring/expected-values';
import { formatSeconds } from '../../graders/engine/host/student-process';
import { loadLab } from '../../graders/engine/core/labs';
import { readResults } from '../../graders/engine/core/results';
import { pregrade } from '../../graders/engine/jest/pregrade';
import { ROOT } from '../support/paths';
import { hostileCommonTensor } from '../../scripts/hostile-common';
import { tempDir } from '../support/temp';

/** A submission holding the reference of `lab`, each file passed through `edit`. */
function referenceSubmission(lab: string, edit: (file: string, text: string) => string): string {
  const dir = tempDir('budget');
  const to = path.join(dir, 'labs', lab);
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(path.join(ROOT, 'reference', lab))) {
    if (!f.endsWith('.ts')) continue;
    fs.writeFileSync(path.join(to, f), edit(f, fs.readFileSync(path.join(ROOT, 'reference', lab, f), 'utf8')));
  }
  return dir;
}

/**
 * Every exported function made `factor` times slower: the outermost lab call measures its own
 * time and then spins for (factor - 1) times that, so nested lab calls are not slowed twice.
 */
function slowed(text: string, factor: number, keep: string[] = []): string {
  const names = [...text.matchAll(/^export function (\w+)\s*[<(]/gm)].map((m) => m[1]).filter((n) => !keep.includes(n));
  let out = text.replace(/^export function (\w+)(\s*[<(])/gm, (whole, name: string, rest: string) => (keep.includes(name) ? whole : `function ${name}__impl${rest}`));
  out += `
const __g = globalThis as unknown as { __labDepth?: number };
function __slow<F extends (...args: any[]) => any>(f: F): F {
  return ((...args: any[]) => {
    __g.__labDepth = (__g.__labDepth ?? 0) + 1;
    const t0 = performance.now();
    try {
      return f(...args);
    } finally {
      __g.__labDepth -= 1;
      if (__g.__labDepth === 0) {
        const until = performance.now() + ${factor - 1} * (performance.now() - t0);
        while (performance.now() < until) { /* a slower, correct implementation */ }
      }
    }
  }) as F;
}
`;
  for (const n of names) out += `export const ${n} = __slow(${n}__impl);\n`;
  return out;
}

beforeAll(async () => {
  await expectedFor(ROOT, loadLab(ROOT, 'transformer'));
}, 300000);

test('the call graph of the reference says which items run layer norm', async () => {
  const lab = loadLab(ROOT, 'transformer');
  const calls = directCalls(Object.fromEntries(lab.files.map((f) => [f, fs.readFileSync(path.join(ROOT, 'reference', f.replace(/^labs\//, '')), 'utf8')])));
  expect(calls.encoderLayerForward).toEqual(expect.arrayContaining(['layerNormForward', 'feedForwardForward']));
  expect(exercised(calls, ['charLmForward'])).toEqual(expect.arrayContaining(['charLmForward', 'encoderLayerForward', 'layerNormForward', 'feedForwardForward', 'causalMask']));
  const expected = await expectedFor(ROOT, lab);
  const runsLayerNorm = Object.entries(expected.items).filter(([, it]) => it.exercises?.includes('layerNormForward')).map(([id]) => id);
  expect(runsLayerNorm.length).toBeGreaterThan(5);
});

test('budgets: a multiple of the reference with a floor, capped by the item; short after a function ran out', () => {
  expect(callBudget(2, 10000).ms).toBe(BUDGET.floorMs);
  expect(callBudget(100, 10000).ms).toBe(100 * BUDGET.factor);
  expect(callBudget(1000, 10000).ms).toBe(10000);
  expect(callBudget(undefined, 7000).ms).toBe(7000);
  const slow = new SlowFunctions();
  slow.record(['layerNormForward'], 'layer_norm.forward');
  const short = slow.budget(['encoderLayerForward', 'layerNormForward'], 2, callBudget(2, 10000));
  expect(short.ms).toBe(BUDGET.shortFloorMs);
  expect(short.why).toContain('layerNormForward already ran past its time in layer_norm.forward');
  expect(slow.budget(['positionalEncoding'], 2, callBudget(2, 10000)).ms).toBe(BUDGET.floorMs);
  expect(loadBudget(100, { neverLoaded: 'lab rnn' }).ms).toBe(BUDGET.shortLoadMs);
  // A long item (a training run of 3.7 s) is not given a multiple of its time again.
  expect(slow.budget(['layerNormForward'], 3700, callBudget(3700, 120000)).ms).toBe(BUDGET.shortCapMs);
  expect(slow.budget(['layerNormForward'], 100, callBudget(100, 10000)).ms).toBe(BUDGET.shortFactor * 100);
});

test('budgets: a lower floor once a submission ran past full budgets in two items, never less than the usual multiple of the reference', () => {
  expect(suspectBudget(callBudget(2, 10000), 2, {})).toEqual(callBudget(2, 10000));
  expect(suspectBudget(callBudget(2, 10000), 2, { ranOut: ['sigmoid.forward (lab activations: out of time)'] })).toEqual(callBudget(2, 10000));
  const submission = { ranOut: ['sigmoid.forward (lab activations: out of memory)', 'tanh.forward (lab activations: out of time)'] };
  const reduced = suspectBudget(callBudget(2, 10000), 2, submission);
  expect(reduced.ms).toBe(BUDGET.suspectFloorMs);
  expect(reduced.why).toContain('a reduced budget, because this submission\'s code already ran out of time or memory in sigmoid.forward (lab activations: out of memory) and tanh.forward (lab activations: out of time)');
  expect(suspectBudget(callBudget(20, 10000), 20, submission).ms).toBe(BUDGET.factor * 20);
  // Where the multiple is above the usual floor, nothing changes (a training run keeps its budget).
  expect(suspectBudget(callBudget(100, 10000), 100, submission)).toEqual(callBudget(100, 10000));
  expect(suspectBudget(callBudget(1000, 10000), 1000, submission)).toEqual(callBudget(1000, 10000));
  // The multiple of the reference is the usual one on every scale (up to the item's limit): only the floor is lower.
  for (const ms of [0.01, 0.5, 5, 20, 24, 100, 400, 3000]) {
    const normal = callBudget(ms, 120000);
    expect([ms, suspectBudget(normal, ms, submission).ms >= Math.min(normal.ms, BUDGET.factor * ms)]).toEqual([ms, true]);
  }
});

/** labs/common/tensor.ts whose `tensor` (behind zeros and every new tensor) never returns once the lab has loaded. */
function loopingSharedHelper(dir: string): void {
  fs.mkdirSync(path.join(dir, 'labs', 'common'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'labs', 'common', 'tensor.ts'), hostileCommonTensor('for (;;) { /* never returns */ }'));
}

test('an infinite loop in a helper every function calls (labs/common) costs two full budgets per submission, says where it was stopped, and cuts short the calls that enter it', async () => {
  const dir = referenceSubmission('activations', (_f, text) => text);
  const backprop = referenceSubmission('backprop', (_f, text) => text);
  fs.cpSync(backprop, dir, { recursive: true });
  fs.rmSync(backprop, { recursive: true, force: true });
  loopingSharedHelper(dir);
  const r = await gradeSubmission({ root: ROOT, submission: dir, labs: ['activations', 'backprop'], sandbox: 'permission' });
  const items = r.labs.flatMap((l) => l.items);
  const timedOut = items.filter((i) => i.status === 'timed_out');
  expect(timedOut.length).toBeGreaterThan(10);
  // The rubrics' call graph knows only the labs' own functions, so a new one's first item is the
  // only evidence: two full budgets for the whole submission, then reduced or short ones.
  const full = timedOut.filter((i) => i.message.includes(`at least ${BUDGET.floorMs / 1000} s`));
  expect(full).toHaveLength(BUDGET.suspectAfter);
  // Once the code ran out of time, its exported functions are tracked: the second stop names the
  // helper in labs/common it was in (the first is before tracking: V8 gives no stack) ...
  expect(full[0].message).not.toContain('it was stopped in');
  expect(full[1].message).toMatch(/it was stopped in \w+ \(labs\/common\/tensor\.ts\), called from \w+ \(labs\/activations\/activations\.ts\)/);
  // ... and a later call that enters a helper already stopped in gets a short budget at once, and says why.
  const cut = timedOut.filter((i) => /a short budget, because it entered \w+ \(labs\/common\/tensor\.ts\), which already ran past its time in [\w.]+ \(lab (activations|backprop)\)/.test(i.message));
  expect(cut.length).toBeGreaterThan(5);
  expect(r.labs[1].items.filter((i) => cut.includes(i)).length).toBeGreaterThan(0);
  // Items whose code never reaches the helper still pass (the loop runs only once the labs loaded).
  expect(items.filter((i) => i.status === 'passed').length).toBeGreaterThan(10);
  fs.rmSync(dir, { recursive: true, force: true });
}, 180000);

test('a loop that keeps calling a helper marks the function that loops, not the helper it was in at that moment', async () => {
  // sigmoidForward, tanhForward and reluForward loop, calling map (labs/common) on every turn
  // with a callback that takes a while: a stop finds them in map nearly always, but only the
  // loop ran for most of the budget.
  const dir = referenceSubmission('activations', (_f, text) =>
    text.replace(/(export function (sigmoidForward|tanhForward|reluForward)\([^)]*\): Tensor \{)/g, '$1\n  for (let s = 0; ; s++) map(x, (v) => { let t = v; for (let k = 0; k < 20000; k++) t += k * s; return t; });'),
  );
  const r = await gradeSubmission({ root: ROOT, submission: dir, labs: ['activations'], sandbox: 'permission' });
  const items = r.labs[0].items;
  const message = (id: string) => items.find((i) => i.id === id)!.message;
  expect(message('tanh.forward')).toMatch(/it was stopped in (map \(labs\/common\/tensor\.ts\), called from )?tanhForward \(labs\/activations\/activations\.ts\)/);
  // map was not marked: the third loop gets the reduced budget of a function not seen to loop,
  // not the short one of a call that entered a function already stopped in.
  expect(message('relu.forward')).toContain('a reduced budget');
  expect(message('relu.forward')).toMatch(/it was stopped in (map \(labs\/common\/tensor\.ts\), called from )?reluForward/);
  expect(items.filter((i) => i.message.includes('because it entered map')).map((i) => i.id)).toEqual([]);
  for (const id of ['leaky_relu.forward', 'gelu.forward', 'softmax.forward']) expect([id, items.find((i) => i.id === id)?.status]).toEqual([id, 'passed']);
  fs.rmSync(dir, { recursive: true, force: true });
}, 120000);

test("an infinite loop in additiveForward, which the decoder and its training run, costs one full budget; the training run's is short too", async () => {
  const dir = referenceSubmission('attention', (f, text) =>
    f === 'attention.ts' ? text.replace(/(export function additiveForward\([^)]*\): AttentionOutput \{)/, '$1\n  for (;;) { /* never returns */ }') : text,
  );
  const r = await gradeSubmission({ root: ROOT, submission: dir, labs: ['attention'], sandbox: 'permission' });
  const timedOut = r.labs[0].items.filter((i) => i.status === 'timed_out');
  expect(timedOut.filter((i) => !i.message.includes('a short budget, because additiveForward already ran past its time')).map((i) => i.id)).toEqual(['additive.forward']);
  expect(timedOut.map((i) => i.id)).toEqual(expect.arrayContaining(['decoder.loss.backward', 'decoder.greedy', 'translate.held_out']));
  // The training run took the reference seconds: its short budget is the cap, not five times that.
  expect(timedOut.find((i) => i.id === 'translate.held_out')!.message).toContain(`did not finish within ${formatSeconds(BUDGET.shortCapMs)}`);
  for (const id of ['causal_mask', 'sdpa.forward', 'mha.forward']) expect([id, r.labs[0].items.find((i) => i.id === id)?.status]).toEqual([id, 'passed']);
}, 300000);

describe('a training run that reports its progress (translate.held_out: 200 steps, seconds of the reference)', () => {
  test("a loop only the training reaches (Rng.normal, a class in labs/common) is stopped within seconds of its last report, not at the end of its budget, whatever the submission's copy of the trainer", async () => {
    const dir = referenceSubmission('attention', (_f, text) => text);
    const rng = fs.readFileSync(path.join(ROOT, 'labs', 'common', 'rng.ts'), 'utf8');
    const looping = rng.replace(/(\n  normal\(\): number \{)/, '$1\n    for (;;) { /* never returns */ }');
    expect(looping).not.toBe(rng);
    fs.mkdirSync(path.join(dir, 'labs', 'common'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'labs', 'common', 'rng.ts'), looping);
    // The submission's copy of the given trainer is an older release's, which reports nothing:
    // given code is the harness's (students do not hand it in), so it is not what runs.
    const trainer = fs.readFileSync(path.join(ROOT, 'labs', 'attention', 'provided', 'translator.ts'), 'utf8');
    const silent = trainer.replace(/^\s*options\.onProgress\?\.\(.*\);$/gm, '');
    expect(silent.match(/onProgress\?\.\(/g)).toBeNull();
    expect(trainer.match(/onProgress\?\.\(/g)).toHaveLength(3);
    fs.mkdirSync(path.join(dir, 'labs', 'attention', 'provided'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'labs', 'attention', 'provided', 'translator.ts'), silent);
    // The item alone (the loop reaches no other: Rng runs only in the training here).
    const lab = loadLab(ROOT, 'attention');
    const only = { ...lab, rubric: { ...lab.rubric, items: lab.rubric.items.filter((it) => it.id === 'translate.held_out') } };
    const expected = await expectedFor(ROOT, lab);
    const graded = await gradeLab(only, { root: ROOT, tree: submissionTree(ROOT, dir), sandbox: 'permission', expected });
    expect(graded.items.map((i) => `${i.id}: ${i.status}`)).toEqual(['translate.held_out: timed_out']);
    const item = graded.items[0];
    // Its first report came as the training began; the fresh weights' normal draws never returned.
    expect(item.message).toMatch(/^stopped after 2 s without progress \(the call reports its progress \(a training run, each step\); after its report 1, the reference reported again within [\d.]+ ms: 50 times that, at least 2 s; an infinite loop\?\)/);
    // Its budget, 50 times the reference's seconds, would have let it loop for minutes.
    const e = expected.items['translate.held_out'].cases[0];
    expect(callBudget(e.ms, 120000).ms).toBeGreaterThan(60000);
    expect(item.duration_ms).toBeLessThan(20000);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120000);

  test('a correct decoder 20 times slower than the reference is never stopped by the watch', async () => {
    const lab = loadLab(ROOT, 'attention');
    const base = lab.rubric.items.find((it) => it.id === 'translate.held_out')!;
    // 6 steps instead of 200 (the suite's time), compared with the reference's translations
    // instead of the accuracy bound (which 6 steps do not reach).
    const item = { ...base, bounds: undefined, cases: base.cases.map((c) => ({ ...c, params: { ...c.params, steps: 6 } })) };
    const patched = { ...lab, rubric: { ...lab.rubric, items: [item] } };
    const expected = await computeExpected(ROOT, patched, [item], 'test');
    // A report as training begins, one once the weights are made, one after each step.
    expect(expected.items[item.id].cases[0].gaps_ms).toHaveLength(8);
    // Every function of the lab 20 times slower per call (the trainer calls them step by step);
    // the given trainTranslator and translateSentences only pass the calls on.
    const dir = referenceSubmission('attention', (f, text) => slowed(text, 20, f === 'decoder.ts' ? ['trainTranslator', 'translateSentences'] : []));
    const graded = await gradeLab(patched, { root: ROOT, tree: submissionTree(ROOT, dir), sandbox: 'permission', expected });
    expect(graded.items.map((i) => `${i.id}: ${i.status} ${i.message}`)).toEqual([`${item.id}: passed ${graded.items[0].message}`]);
    // It ran far longer than the reference between reports (else this shows nothing).
    expect(graded.items[0].duration_ms).toBeGreaterThan(5 * expected.items[item.id].cases[0].ms!);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 180000);
});

// A wait without computing (Atomics.wait) was once given eight times each budget (budgets are
// computing time, stretched for a busy machine): now its wait counts as computing time.
// The bound on wall-clock time is loose for the loop, whose budgets of computing time a loaded
// machine stretches, and tight for the wait, which no load stretches (it took 30 s before).
test.each([
  ['an infinite loop', 'for (;;) { /* never returns */ }', 60],
  ['a wait without computing', 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600000);', 20],
])('%s in layerNormForward, which most transformer items run, is graded within 15 s', async (_kind, body, boundSeconds) => {
  const dir = referenceSubmission('transformer', (f, text) =>
    f === 'layer_norm.ts' ? text.replace(/(export function layerNormForward\([^)]*\): Tensor \{)/, `$1\n  ${body}`) : text,
  );
  const started = Date.now();
  const r = await gradeSubmission({ root: ROOT, submission: dir, labs: ['transformer'], sandbox: 'permission' });
  const seconds = (Date.now() - started) / 1000;
  const items = r.labs[0].items;
  // One full budget, then short ones (the benchmark measures the seconds; the wall-clock bound
  // here only catches a return to one full budget per item, which took 141 s).
  const full = items.filter((i) => i.status === 'timed_out' && i.message.includes(`at least ${BUDGET.floorMs / 1000} s`));
  expect(full.map((i) => i.id)).toEqual(['layer_norm.forward']);
  expect(seconds).toBeLessThan(boundSeconds);
  const timedOut = items.filter((i) => i.status === 'timed_out');
  expect(timedOut.length).toBeGreaterThan(5);
  // Only the first item that ran it waited out a full budget; the others say why theirs was short.
  const short = timedOut.filter((i) => i.message.includes('short budget, because layerNormForward already ran past its time'));
  expect(short.length).toBe(timedOut.length - 1);
  // Items that never run layer norm are untouched.
  for (const id of ['positional_encoding.forward', 'embedding.forward', 'embedding.backward']) {
    const item = items.find((i) => i.id === id);
    if (item) expect([id, item.status]).toEqual([id, 'passed']);
  }
}, 120000);

test('a correct implementation 20 times slower than the reference still gets full marks', async () => {
  const dir = referenceSubmission('transformer', (_f, text) => slowed(text, 20));
  const r = await gradeSubmission({ root: ROOT, submission: dir, labs: ['transformer'], sandbox: 'permission' });
  expect(r.labs[0].items.filter((i) => i.status !== 'passed').map((i) => `${i.id}: ${i.status} ${i.message}`)).toEqual([]);
  expect(r.score).toBe(r.max_score);

  // The same after the submission's code ran past full budgets in two other functions (an
  // infinite loop in sigmoidForward and in tanhForward, graded first): its calls get the reduced
  // budgets, which still fit.
  const looping = referenceSubmission('activations', (_f, text) => text.replace(/(export function (sigmoidForward|tanhForward)\([^)]*\): Tensor \{)/g, '$1\n  for (;;) { /* never returns */ }'));
  fs.cpSync(path.join(dir, 'labs', 'transformer'), path.join(looping, 'labs', 'transformer'), { recursive: true });
  const after = await gradeSubmission({ root: ROOT, submission: looping, labs: ['activations', 'transformer'], sandbox: 'permission' });
  const [activations, transformer] = after.labs;
  expect(activations.items.filter((i) => i.status === 'timed_out' && i.message.includes(`at least ${BUDGET.floorMs / 1000} s`)).map((i) => i.id)).toEqual(['sigmoid.forward', 'tanh.forward']);
  expect(transformer.items.filter((i) => i.status !== 'passed').map((i) => `${i.id}: ${i.status} ${i.message}`)).toEqual([]);
  expect(transformer.score).toBe(transformer.max_score);
  for (const d of [dir, looping]) fs.rmSync(d, { recursive: true, force: true });
}, 600000);

test('a lab whose shared code never finishes loading costs one load budget per submission, not one per lab', async () => {
  const dir = tempDir('budget');
  fs.mkdirSync(path.join(dir, 'labs', 'common'), { recursive: true });
  const tensor = fs.readFileSync(path.join(ROOT, 'labs', 'common', 'tensor.ts'), 'utf8');
  fs.writeFileSync(path.join(dir, 'labs', 'common', 'tensor.ts'), `for (;;) { /* never loads */ }\n${tensor}`);
  const r = await gradeSubmission({ root: ROOT, submission: dir, labs: ['activations', 'attention'], sandbox: 'permission' });
  const [first, second] = r.labs;
  expect(first.items[0]).toMatchObject({ status: 'timed_out' });
  const activations = await expectedFor(ROOT, loadLab(ROOT, 'activations'));
  expect(first.items[0].message).toContain(`within ${formatSeconds(loadBudget(activations.load_ms).ms)}`);
  expect(second.items[0]).toMatchObject({ status: 'timed_out' });
  expect(second.items[0].message).toContain('a short one: lab activations never finished loading');
  expect(r.score).toBe(0);

  // Graded two labs at a time (`gradecheck grade`), the others wait for the first one's load:
  // still one full load budget for the submission.
  const together = await gradeSubmission({ root: ROOT, submission: dir, labs: ['activations', 'backprop', 'attention'], sandbox: 'permission', concurrency: 2 });
  const firstMessages = together.labs.map((l) => l.items[0].message);
  expect(firstMessages.filter((m) => m.includes(`within ${formatSeconds(loadBudget(activations.load_ms).ms)}`))).toHaveLength(1);
  expect(firstMessages.filter((m) => m.includes('never finished loading'))).toHaveLength(2);
  expect(together.score).toBe(0);

  // And a student's `npm test` (Jest's global setup grades the labs two at a time): the same.
  const planDir = tempDir('budget-plans');
  const resultsDir = tempDir('budget-results');
  const labs = ['activations', 'backprop', 'attention'];
  const outcome = await pregrade({ root: ROOT, labs, planDir, concurrency: 2, env: { GRADECHECK_SUBMISSION: dir, GRADECHECK_SANDBOX: 'permission', GRADECHECK_RESULTS_DIR: resultsDir } });
  expect(outcome.planned).toEqual([...labs].sort());
  const pregraded = labs.map((lab) => readResults(JSON.parse(fs.readFileSync(path.join(resultsDir, `${lab}.json`), 'utf8'))).labs[0].items[0].message);
  expect(pregraded.filter((m) => m.includes(`within ${formatSeconds(loadBudget(activations.load_ms).ms)}`))).toHaveLength(1);
  expect(pregraded.filter((m) => m.includes('never finished loading'))).toHaveLength(2);
  for (const d of [dir, planDir, resultsDir]) fs.rmSync(d, { recursive: true, force: true });
}, 180000);
