/**
 * The student process: whatever student code does (loop forever, exit, exhaust memory, throw,
 * mutate its input, fail to load) becomes a plain outcome of that call, the next call gets a
 * working process (the same one after a timeout, a fresh one after a crash), and the code can
 * read nothing of the harness.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StudentProcess } from '../../graders/engine/host/student-process';
import { MAX_LAB_SOURCE_CHARS, buildModules, mapTree, overlay, directoryTree } from '../../graders/engine/host/modules';
import { SandboxMode, bwrapAvailable } from '../../graders/engine/host/sandbox';
import { ROOT } from '../support/paths';

const X = { shape: [3], data: Float64Array.of(1, 2, 3) };

function probe(source: string, sandbox: SandboxMode = 'permission', memoryMb = 96, priority?: number): StudentProcess {
  const tree = overlay(mapTree({ 'labs/probe/probe.ts': source }, 'test'), directoryTree(ROOT));
  const built = buildModules(ROOT, tree, ['labs/probe/probe.ts'], 'test/fixtures/probe.ops.ts');
  expect(built.problems).toEqual([]);
  return new StudentProcess(built.modules, { sandbox, memoryMb, priority });
}

const call = (p: StudentProcess, timeoutMs = 3000, op = 'run') => p.call({ op, stage: 'forward', inputs: { x: X }, params: {} }, timeoutMs);

const double = `export function run(x: { shape: number[]; data: Float64Array }) { return { shape: x.shape, data: x.data.map((v) => 2 * v) }; }`;

describe('the student process', () => {
  test('runs the lab through its ops and returns plain values', async () => {
    const p = probe(double);
    expect(await call(p)).toMatchObject({ ok: true, value: { y: { shape: [3], data: Float64Array.of(2, 4, 6) } }, mutated: [] });
    await p.close();
  });

  // A call past its budget is interrupted (SIGINT, child.cjs) and its process kept, so a
  // timeout costs no fresh process; Windows has no SIGINT to send, and kills it.
  const keptAfterTimeout = process.platform === 'win32' ? 2 : 1;

  test.each([
    ['an infinite loop', `export function run(x: any) { if (x.data[0] === 1) { while (true) {} } return x; }`],
    ['a wait without computing', `export function run(x: any) { if (x.data[0] === 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600000); return x; }`],
  ])('%s times out and is stopped; the next call runs in the same process', async (_what, source) => {
    const p = probe(source);
    const started = Date.now();
    const r = await call(p, 1000);
    // Its budget of computing time, stretched at most 8 times in wall-clock time on a busy machine.
    expect(Date.now() - started).toBeLessThan(8 * 1000 + 2000);
    expect(r).toMatchObject({ ok: false, failure: { status: 'timed_out' } });
    const next = await p.call({ op: 'run', stage: 'forward', inputs: { x: { shape: [1], data: Float64Array.of(7) } }, params: {} }, 3000);
    expect(next).toMatchObject({ ok: true, value: { y: { shape: [1] } } });
    expect(p.starts).toBe(keptAfterTimeout);
    await p.close();
  });

  // A SIGINT sent as a call ends (its budget ran out just as it returned) reaches the process
  // when the next call runs: V8 stops that one instead. Seen on correct calls after 7 of 300
  // such races before the grader took it for what it is and ran the call again.
  (process.platform === 'win32' ? test.skip : test)('a SIGINT meant for a call that just ended does not fail the next call', async () => {
    const p = probe(`export function run(x: any) { const until = performance.now() + x.data[0]; while (performance.now() < until) {} return x; }`);
    const next: string[] = [];
    let timedOut = 0;
    for (let i = 0; i < 150; i++) {
      // Spins about as long as its budget (30 ms): some end just before the deadline, some after.
      const r = await p.call({ op: 'run', stage: 'forward', inputs: { x: { shape: [1], data: Float64Array.of(25 + (i % 20) * 0.5) } }, params: {} }, 30);
      if (!r.ok) timedOut++;
      const q = await p.call({ op: 'run', stage: 'forward', inputs: { x: { shape: [1], data: Float64Array.of(1) } }, params: {} }, 3000);
      if (!q.ok) next.push(`${q.failure.status}: ${q.failure.message}`);
    }
    expect(next).toEqual([]);
    // The race was there to be lost: some calls ran out of time, some did not.
    expect(timedOut).toBeGreaterThan(10);
    expect(timedOut).toBeLessThan(140);
    await p.close();
  }, 60000);

  test('a process that cannot take the interruption (it stopped itself) is killed after the grace period', async () => {
    const p = probe(`export function run(x: any) { if (x.data[0] === 1) process.kill(process.pid, 'SIGSTOP'); return x; }`);
    expect(await call(p, 500)).toMatchObject({ ok: false, failure: { status: 'timed_out', message: expect.stringContaining('the process was stopped') } });
    const next = await p.call({ op: 'run', stage: 'forward', inputs: { x: { shape: [1], data: Float64Array.of(7) } }, params: {} }, 3000);
    expect(next).toMatchObject({ ok: true });
    await p.close();
  });

  // process.exit during a call ends the call, not the process (child.cjs): a helper that exits
  // costs no fresh process per item, and catching what exit throws does not rescue the call.
  test.each([
    ['called', `export function run(x: any) {\n  if (x.data[0] === 1) process.exit(0);\n  return x;\n}`],
    ['called, and what it threw caught', `export function run(x: any) {\n  try { if (x.data[0] === 1) process.exit(0); } catch {}\n  return x;\n}`],
  ])('process.exit %s in a call is a crash of that call only, said where; the process is kept', async (_what, source) => {
    const p = probe(source);
    const r = await call(p);
    expect(r).toMatchObject({ ok: false, failure: { status: 'crashed' } });
    expect(!r.ok && r.failure.message).toMatch(/^your code called process\.exit\(0\) \(at labs\/probe\/probe\.ts:2:\d+\)/);
    const again = await p.call({ op: 'run', stage: 'forward', inputs: { x: { shape: [1], data: Float64Array.of(5) } }, params: {} }, 3000);
    expect(again).toMatchObject({ ok: true });
    expect(p.starts).toBe(1);
    await p.close();
  });

  test('a process that really ends in a call (it killed itself) is a crash of that call only; a fresh process takes the next', async () => {
    const p = probe(`export function run(x: any) { if (x.data[0] === 1) process.kill(process.pid, 'SIGKILL'); return x; }`);
    const r = await call(p);
    expect(r).toMatchObject({ ok: false, failure: { status: 'crashed', message: expect.stringContaining('SIGKILL') } });
    const again = await p.call({ op: 'run', stage: 'forward', inputs: { x: { shape: [1], data: Float64Array.of(5) } }, params: {} }, 3000);
    expect(again).toMatchObject({ ok: true });
    expect(p.starts).toBe(2);
    await p.close();
  });

  // Once a submission ran out of time, the grader tracks its exported functions (child.cjs): a
  // stopped call says which it was in, and a later call that enters one of those is cut short.
  describe('tracked (a submission that already ran out of time)', () => {
    const helper = [
      'export function spin(n: number): number { if (n === 1) { for (;;) {} } return n + 1; }',
      'export class Box { static made = 0; constructor(readonly v: number) { Box.made++; } twice(): number { return 2 * this.v; } }',
      'export function makeBox(v: number): Box { return new Box(v); }',
    ].join('\n');
    const lab = [
      "import { Box, makeBox, spin } from './helper';",
      'export function run(x: any) {',
      '  const b = makeBox(x.data[0]);',
      '  if (!(b instanceof Box) || Box.made < 1) throw new Error("a class lost its identity or its statics");',
      '  return { shape: [1], data: [spin(b.twice() / 2)] };',
      '}',
    ].join('\n');
    const tracked = (source = lab, extra: Record<string, string> = { 'labs/probe/helper.ts': helper }) => {
      const tree = overlay(mapTree({ 'labs/probe/probe.ts': source, ...extra }, 'test'), directoryTree(ROOT));
      const built = buildModules(ROOT, tree, ['labs/probe/probe.ts'], 'test/fixtures/probe.ops.ts');
      expect(built.problems).toEqual([]);
      return new StudentProcess(built.modules, { sandbox: 'permission', memoryMb: 96 });
    };
    const one = (v: number) => ({ op: 'run', stage: 'forward' as const, inputs: { x: { shape: [1], data: Float64Array.of(v) } }, params: {} });
    const SPIN = 'labs/probe/helper.ts:spin';

    test('untracked, a stop says nothing of where (V8 gives no stack), and the lab keeps its own functions', async () => {
      const p = tracked();
      expect(await p.call(one(5), 3000)).toMatchObject({ ok: true, value: { y: { data: Float64Array.of(6) } } });
      const r = await p.call(one(1), 300);
      expect(r).toMatchObject({ ok: false, failure: { status: 'timed_out' } });
      expect(!r.ok && r.failure.stoppedIn).toBeUndefined();
      await p.close();
    });

    test('tracked, a stopped call names the exported functions it was in, innermost last; classes keep working', async () => {
      const p = tracked();
      const cut = { marked: [], ms: 50 };
      expect(await p.call(one(5), 3000, cut)).toMatchObject({ ok: true, value: { y: { data: Float64Array.of(6) } } });
      const r = await p.call(one(1), 300, cut);
      expect(r).toMatchObject({ ok: false, failure: { status: 'timed_out', stoppedIn: ['labs/probe/probe.ts:run', SPIN] } });
      expect(!r.ok && r.failure.cutBy).toBeUndefined();
      // Each had run for most of the 300 ms budget (the loop is in the innermost).
      const [outer, inner] = (!r.ok && r.failure.stoppedMs) || [];
      expect(inner).toBeGreaterThan(200);
      expect(outer).toBeGreaterThanOrEqual(inner);
      // The stack is the stopped call's only: the next call starts afresh.
      expect(await p.call(one(7), 3000, cut)).toMatchObject({ ok: true, value: { y: { data: Float64Array.of(8) } } });
      expect(p.starts).toBe(process.platform === 'win32' ? 2 : 1);
      await p.close();
    });

    test('a call that enters a marked function gets the cut budget, from its start; one that returns in time is untouched', async () => {
      const p = tracked();
      const cut = { marked: [SPIN], ms: 100 };
      expect(await p.call(one(5), 3000, cut)).toMatchObject({ ok: true, value: { y: { data: Float64Array.of(6) } } });
      const started = Date.now();
      const r = await p.call(one(1), 20000, cut);
      expect(r).toMatchObject({ ok: false, failure: { status: 'timed_out', cutBy: SPIN } });
      // 100 ms of computing time, where the budget was 20 s (stretched at most 8 times on a busy machine).
      expect(Date.now() - started).toBeLessThan(8 * 100 + 2000);
      await p.call(one(5), 3000, cut);
      await p.close();
    });

    test('a loop that keeps calling a helper: the helper it was stopped in had run for a moment, the loop for the budget', async () => {
      const p = tracked("import { spin } from './helper';\nexport function run(x: any) { let s = 0; for (;;) { s += spin(2); for (let i = 0; i < 1000; i++) s += i; } }");
      const r = await p.call(one(5), 300, { marked: [], ms: 50 });
      expect(r).toMatchObject({ ok: false, failure: { status: 'timed_out' } });
      const names = (!r.ok && r.failure.stoppedIn) || [];
      const times = (!r.ok && r.failure.stoppedMs) || [];
      expect(names[0]).toBe('labs/probe/probe.ts:run');
      expect(times[0]).toBeGreaterThan(200);
      if (names.length > 1) expect(times[1]).toBeLessThan(50);
      await p.close();
    });

    test('exports that run code when read (a proxy whose traps throw) are left untracked; the rest are tracked', async () => {
      const odd = [
        helper,
        "export const trap = new Proxy(function trap() { return 1; }, { ownKeys() { throw new Error('no keys'); }, getOwnPropertyDescriptor() { throw new Error('no descriptor'); } });",
      ].join('\n');
      const source = "import { spin, trap } from './helper';\nexport function run(x: any) { return { shape: [1], data: [spin(x.data[0]) + trap()] }; }";
      const p = tracked(source, { 'labs/probe/helper.ts': odd });
      const cut = { marked: [], ms: 50 };
      expect(await p.call(one(5), 3000, cut)).toMatchObject({ ok: true, value: { y: { data: Float64Array.of(7) } } });
      expect(await p.call(one(1), 300, cut)).toMatchObject({ ok: false, failure: { status: 'timed_out', stoppedIn: ['labs/probe/probe.ts:run', SPIN] } });
      await p.close();
    });

    test("what the lab's code says of where it was is bounded: only names of lab files' functions are taken", async () => {
      // Lab code that rewrites the failed reply of a stopped call (it may send anything).
      const liar = [
        "import { spin } from './helper';",
        'const send = process.send!.bind(process);',
        "const lie = { stoppedIn: ['x'.repeat(100000), '../../etc/passwd:x', { a: 1 }, 'labs/probe/helper.ts:spin', 'labs/probe/helper.ts:spin'], stoppedMs: [1, 2, 3, 250, NaN] };",
        "(process as any).send = (m: any, ...rest: any[]) => send(m && m.type === 'failed' ? { ...m, ...lie } : m, ...rest);",
        'export function run(x: any) { return { shape: [1], data: [spin(x.data[0])] }; }',
      ].join('\n');
      const p = tracked(liar);
      const r = await p.call(one(1), 300, { marked: [], ms: 50 });
      expect(r).toMatchObject({ ok: false, failure: { status: 'timed_out', stoppedIn: [SPIN], stoppedMs: [250] } });
      await p.close();
    });
  });

  // A call still taking memory at its deadline, under its heap cap: out of memory, stopped where
  // it runs as a loop is, and its process kept (what it took is garbage once it ended).
  test('a slow memory bomb under its cap is stopped at its budget as out_of_memory; the next call runs in the same process', async () => {
    const p = probe(
      `export function run(x: any) { const hoard: Float64Array[] = []; if (x.data[0] === 1) for (;;) { hoard.push(new Float64Array(1 << 17).fill(1)); const t = performance.now(); while (performance.now() - t < 2) {} } return x; }`,
      'permission',
      512,
    );
    const r = await call(p, 600);
    expect(r).toMatchObject({ ok: false, failure: { status: 'out_of_memory', message: expect.stringMatching(/^was still taking memory .* when its time ran out; (it|the process) was stopped$/) } });
    const next = await p.call({ op: 'run', stage: 'forward', inputs: { x: { shape: [1], data: Float64Array.of(7) } }, params: {} }, 3000);
    expect(next).toMatchObject({ ok: true });
    expect(!r.ok && r.failure.message.endsWith('it was stopped') ? p.starts : 'killed').toBe(process.platform === 'win32' ? 'killed' : 1);
    await p.close();
  });

  test('a memory bomb is stopped as out_of_memory', async () => {
    const p = probe(`export function run(x: any) { const hoard: number[][] = []; for (;;) hoard.push(new Array(1e6).fill(x.data[0])); }`, 'permission', 64);
    expect(await call(p, 20000)).toMatchObject({ ok: false, failure: { status: 'out_of_memory' } });
    await p.close();
  });

  // What a function returns is read in the student process, within the call's budget: the
  // grader receives plain data or nothing, however the value is made.
  test.each([
    ['a getter that never returns', `export function run(x: any) { const y: any = { data: x.data }; Object.defineProperty(y, 'shape', { enumerable: true, get() { for (;;) {} } }); return y; }`, 'timed_out'],
    ['a proxy whose length never returns', `export function run(x: any) { return { shape: x.shape, data: new Proxy([1, 2, 3], { get(t: any, k) { if (k === 'length') for (;;) {} return t[k]; } }) }; }`, 'timed_out'],
    // Typed arrays live outside the heap that --max-old-space-size caps: the process's size stops it.
    ['a typed array of 2.4 GB, outside the capped heap', `export function run(x: any) { return { shape: [3e8], data: new Float64Array(3e8) }; }`, 'out_of_memory'],
  ])('a returned value that is %s is stopped in the student process; the grader stays small', async (_what, source, status) => {
    const before = process.memoryUsage().rss;
    const p = probe(source);
    const started = Date.now();
    expect(await call(p, 1000)).toMatchObject({ ok: false, failure: { status } });
    expect(Date.now() - started).toBeLessThan(8 * 1000 + 2000);
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 * 1024);
    await p.close();
  }, 60000);

  test('a thrown error says what and where; a stub says not_implemented; a missing export is named', async () => {
    const p = probe(`import { notImplemented } from '../common';\nexport function run(x: any): never {\n  if (x.data.length === 3) throw new RangeError('bad index');\n  return notImplemented('run');\n}`);
    const thrown = await call(p);
    expect(thrown).toMatchObject({ ok: false, failure: { status: 'threw' } });
    expect(!thrown.ok && thrown.failure.message).toMatch(/^RangeError: bad index \(at labs\/probe\/probe\.ts:3:\d+\)$/);
    const stub = await p.call({ op: 'run', stage: 'forward', inputs: { x: { shape: [1], data: Float64Array.of(1) } }, params: {} }, 3000);
    expect(stub).toMatchObject({ ok: false, failure: { status: 'not_implemented', message: 'run is not implemented yet' } });
    expect(await call(p, 3000, 'missing')).toMatchObject({ ok: false, failure: { status: 'missing_export', message: 'your lab does not export notThere' } });
    await p.close();
  });

  test('changing an input in place is reported, and later calls still get the original input', async () => {
    const p = probe(`export function run(x: any) { x.data[0] = 99; return x; }`);
    const r = await call(p);
    expect(r).toMatchObject({ ok: true, mutated: ['x'] });
    expect(X.data[0]).toBe(1);
    await p.close();
  });

  test('a crash at module load fails every call the same way, without restarting each time', async () => {
    const p = probe(`throw new Error('boom at load');\nexport function run(x: any) { return x; }`);
    expect(await call(p)).toMatchObject({ ok: false, failure: { status: 'load_error', message: 'your lab fails while loading: Error: boom at load (at labs/probe/probe.ts:1:7)' } });
    expect(await call(p)).toMatchObject({ ok: false, failure: { status: 'load_error' } });
    expect(p.starts).toBe(1);
    const exits = probe(`process.exit(3);\nexport function run(x: any) { return x; }`);
    expect(await call(exits)).toMatchObject({ ok: false, failure: { status: 'crashed' } });
    await Promise.all([p.close(), exits.close()]);
  });

  test.each([
    ['a timer', `setTimeout(() => { for (;;) {} }, 0);`],
    ['a timer that starts later', `setTimeout(() => { for (;;) {} }, 300);`],
    ['a promise', `Promise.resolve().then(() => { for (;;) {} });`],
  ])('code that keeps the process busy between calls (%s that never ends) costs one budget: the call never started, and later calls fail at once', async (_kind, background) => {
    const p = probe(`${background}\n${double}`);
    let r = await call(p, 1000);
    // A timer that starts later lets the first calls through.
    for (let i = 0; r.ok && i < 50; i++) {
      await new Promise((w) => setTimeout(w, 20));
      r = await call(p, 1000);
    }
    // Either the lab never finished loading (the promise ran before its reply left), or a call was never taken.
    const failure = !r.ok ? r.failure : undefined;
    expect(failure?.status).toBe('timed_out');
    if (!failure!.message.includes('while loading')) expect(failure!.message).toContain('never started: your lab\'s code kept its process busy between calls');
    const starts = p.starts;
    const at = Date.now();
    expect(await call(p, 1000)).toMatchObject({ ok: false, failure: { status: 'timed_out', message: failure!.message } });
    expect(Date.now() - at).toBeLessThan(500);
    expect(p.starts).toBe(starts);
    await p.close();
  });

  test('a syntax error is found before anything runs, with file and line', () => {
    const tree = overlay(mapTree({ 'labs/probe/probe.ts': 'export function run(x: any) {\n  return x +;\n}\n' }, 'test'), directoryTree(ROOT));
    const built = buildModules(ROOT, tree, ['labs/probe/probe.ts'], 'test/fixtures/probe.ops.ts');
    expect(built.problems).toEqual([{ kind: 'syntax', file: 'labs/probe/probe.ts', line: 2, column: 13, message: 'Expression expected.' }]);
  });

  test("a lab code file too large to compile is refused before the grader spends its own time on it; one just under the limit builds", () => {
    const junk = (chars: number) => `export const junk = [${'1,'.repeat(Math.floor(chars / 2) - 40)}];\n`;
    const build = (text: string) => buildModules(ROOT, overlay(mapTree({ 'labs/probe/probe.ts': `import './junk';\n${double}`, 'labs/probe/junk.ts': text }, 'test'), directoryTree(ROOT)), ['labs/probe/probe.ts'], 'test/fixtures/probe.ops.ts');
    const big = build(junk(MAX_LAB_SOURCE_CHARS + 1000));
    expect(big.problems).toEqual([{ kind: 'too_large', file: 'labs/probe/junk.ts', line: 0, column: 0, message: expect.stringMatching(/^labs\/probe\/junk\.ts is 25\d KB: a lab's code file may be at most 256 KB .*so it was not compiled$/) }]);
    expect(build(junk(MAX_LAB_SOURCE_CHARS - 1000)).problems).toEqual([]);
  });

  test('lab code cannot import harness files (the reference) by a relative path out of labs/', () => {
    const tree = overlay(mapTree({ 'labs/probe/probe.ts': "export { sigmoidForward as run } from '../../reference/activations/activations';\n" }, 'test'), directoryTree(ROOT));
    const built = buildModules(ROOT, tree, ['labs/probe/probe.ts'], 'test/fixtures/probe.ops.ts');
    expect(built.problems).toEqual([
      // Found in the source (with its place: the string after `from`), not only in the transpiled require().
      { kind: 'forbidden_import', file: 'labs/probe/probe.ts', line: 1, column: 39, message: "labs/probe/probe.ts imports '../../reference/activations/activations': lab code may import only files under labs/" },
    ]);
    expect(Object.keys(built.modules.files).some((f) => f.includes('/reference/'))).toBe(false);
  });

  describe('a call that reports its progress (a training run, through the kit)', () => {
    // Reports every 5 ms for x[0] ms, then loops forever when x[1] is 1.
    const training = `export function run(x: any, progress: () => void) {
      progress();
      const end = performance.now() + x.data[0];
      let next = performance.now() + 5;
      while (performance.now() < end) if (performance.now() >= next) { progress(); next += 5; }
      if (x.data[1] === 1) for (;;) {}
      return { shape: [1], data: [1] };
    }`;
    const train = (p: StudentProcess, runMs: number, loops: boolean, budgetMs: number, watch?: (n: number) => number) =>
      p.call({ op: 'train', stage: 'forward', inputs: { x: { shape: [2], data: Float64Array.of(runMs, loops ? 1 : 0) } }, params: {} }, budgetMs, undefined, watch);

    test('is stopped once it goes its watch without a report, long before its budget; the next call runs in the same process', async () => {
      const p = probe(training);
      const seen: number[] = [];
      const started = Date.now();
      // After its first report, a long watch (the first step's); then 400 ms: each report re-arms it.
      const r = await train(p, 300, true, 20000, (n) => (seen.push(n), n === 1 ? 6000 : 400));
      expect(r).toMatchObject({ ok: false, failure: { status: 'timed_out', message: expect.stringContaining('reported no progress for 400 ms') } });
      const after = (r as { failure: { stalledAfter?: number } }).failure.stalledAfter!;
      // Every report reached the grader, in order, and the watch ran from the last one.
      expect(seen).toEqual(Array.from({ length: after }, (_, i) => i + 1));
      expect(after).toBeGreaterThan(20);
      expect(Date.now() - started).toBeLessThan(8 * 400 + 2000);
      expect(await train(p, 20, false, 3000, () => 400)).toMatchObject({ ok: true });
      expect(p.starts).toBe(process.platform === 'win32' ? 2 : 1);
      await p.close();
    });

    test('runs to its end however long it takes while it keeps reporting, and says how long it went between reports', async () => {
      const p = probe(training);
      const r = await train(p, 800, false, 20000, () => 400);
      expect(r.ok).toBe(true);
      const gaps = (r as { gapsMs?: number[] }).gapsMs!;
      expect(gaps.length).toBeGreaterThan(50);
      expect(Math.max(...gaps)).toBeLessThan(400);
      await p.close();
    });

    test('a call that never reports is stopped at its budget only, and one that reports without a watch is not watched', async () => {
      const silent = probe(`export function run(x: any) { const end = performance.now() + 700; while (performance.now() < end) {} return x; }`);
      expect(await silent.call({ op: 'train', stage: 'forward', inputs: { x: X }, params: {} }, 20000, undefined, () => 300)).toMatchObject({ ok: true });
      const p = probe(training);
      expect(await train(p, 100, true, 800)).toMatchObject({ ok: false, failure: { status: 'timed_out', message: expect.stringContaining('did not finish within 800 ms') } });
      await Promise.all([silent.close(), p.close()]);
    });
  });

  test('messages that student code sends itself are ignored', async () => {
    const p = probe(`export function run(x: any) { (process as any).send({ type: 'result', id: 9999, value: { y: 42 } }); (process as any).send({ type: 'result', id: 1, value: { y: 42 } }); return x; }`);
    const r = await call(p);
    expect(r.ok).toBe(true);
    await p.close();
  });

  test('a lab graded beside a longer one runs at the lower priority it is given, set before its code loads', async () => {
    const priorityAtLoad = `import * as os from 'os';\nconst atLoad = os.getPriority();\nexport function run(x: any) { return { shape: [2], data: [atLoad, os.getPriority()] }; }`;
    const lower = probe(priorityAtLoad, 'permission', 96, 10);
    const normal = probe(priorityAtLoad);
    const [a, b] = [await call(lower), await call(normal)];
    const own = os.getPriority();
    expect(a).toMatchObject({ ok: true, value: { y: { data: Float64Array.of(Math.max(own, 10), Math.max(own, 10)) } } });
    expect(b).toMatchObject({ ok: true, value: { y: { data: Float64Array.of(own, own) } } });
    await Promise.all([lower.close(), normal.close()]);
  });

  test('a flood of output costs time, not the grader', async () => {
    const p = probe(`export function run(x: any) { for (let i = 0; i < 20000; i++) console.log('SCORE: 100/100 '.repeat(20)); return x; }`);
    expect(await call(p, 20000)).toMatchObject({ ok: true });
    expect(p.output().length).toBeLessThanOrEqual(8192);
    await p.close();
  });
});

/**
 * A budget is computing time where the machine can tell (Linux's /proc): a process that got no
 * CPU for a while (a busy machine; here it is stopped with SIGSTOP, so that no other test's
 * processes are starved) still gets its budget of computing time, and an infinite loop is still
 * stopped. Elsewhere budgets are wall-clock time, and this is skipped.
 */
const hasProc = fs.existsSync('/proc/self/stat') && process.platform === 'linux';
if (!hasProc) console.warn('SKIPPED: budgets as computing time, because there is no /proc here (budgets are wall-clock time on this system)');
(hasProc ? describe : describe.skip)('when the machine gives the student process no CPU for a while', () => {
  const pidOf = (p: StudentProcess) => (p as unknown as { child?: { pid?: number } }).child?.pid;
  /** Stops the process for `ms` as soon as the call is under way, then lets it go on. */
  const starve = async (p: StudentProcess, ms: number) => {
    await new Promise((r) => setTimeout(r, 50));
    const pid = pidOf(p)!;
    process.kill(pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, ms));
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* already stopped for good (out of time) */
    }
  };

  test('a call within its computing budget finishes, though its wall-clock budget passed while it was stopped', async () => {
    const p = probe(`export function run(x: any) { const until = Date.now() + 200; let acc = 0; while (Date.now() < until) acc += Math.sqrt(acc + 1); return { shape: [1], data: [acc > 0 ? 1 : 0] }; }`);
    await p.ready(20000);
    const [r] = await Promise.all([call(p, 900), starve(p, 1500)]);
    expect(r).toMatchObject({ ok: true });
    await p.close();
  });

  test("the time a load took is its computing time: a lab that waits while loading is not charged for the wait", async () => {
    // A reference's load time sets the students' load budget (ten times it): measured as
    // computing time, it does not grow with how busy the machine was when it was measured.
    const p = probe(`Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);\n${double}`);
    const started = Date.now();
    expect(await p.ready(20000)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const cpu = p.cpuMs();
    expect(cpu).toBeDefined();
    expect(cpu!).toBeGreaterThan(0);
    expect(cpu!).toBeLessThan(1200);
    await p.close();
    expect(p.cpuMs()).toBeUndefined();
  });

  test('an infinite loop is still stopped, with its budget stated', async () => {
    const p = probe(`export function run(x: any) { for (;;) {} }`);
    await p.ready(20000);
    const [r] = await Promise.all([call(p, 900), starve(p, 1500)]);
    expect(r).toMatchObject({ ok: false, failure: { status: 'timed_out' } });
    expect(!r.ok && r.failure.message).toContain('did not finish within 900 ms');
    await p.close();
  });

  test('a function that waits without computing is stopped at its budget: the wait counts as computing time', async () => {
    const p = probe(`export function run(x: any) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000); return x; }`);
    await p.ready(20000);
    const started = Date.now();
    const r = await call(p, 1000);
    expect(r).toMatchObject({ ok: false, failure: { status: 'timed_out' } });
    // Not eight times the budget, as a budget stretched for a busy machine would be.
    expect(Date.now() - started).toBeLessThan(2500);
    await p.close();
  });

  // Real contention, not a stopped process: the student process and a busy loop share one core,
  // and the student process has the lower priority, so it waits for the core most of the time.
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((f) => fs.existsSync(f));
  if (!taskset) console.warn('SKIPPED: a call that waits for a core, because taskset is not installed');
  (taskset ? test : test.skip)('a correct call that keeps waiting for a core finishes: waiting for the CPU is not charged', async () => {
    const work = `export function run(x: any) { let acc = 0; for (let i = 0; i < 1.5e8; i++) acc += Math.sqrt(i); return { shape: [1], data: [acc > 0 ? 1 : 0] }; }`;
    const alone = probe(work);
    await alone.ready(20000);
    const aloneStarted = Date.now();
    expect(await call(alone, 20000)).toMatchObject({ ok: true });
    const aloneMs = Date.now() - aloneStarted;
    await alone.close();

    const p = probe(work);
    await p.ready(20000);
    const pid = (p as unknown as { child?: { pid?: number } }).child!.pid!;
    const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      for (const target of [hog.pid!, pid]) execFileSync(taskset!, ['-a', '-p', '-c', '0', String(target)], { stdio: 'ignore' });
      // A quarter of the core (weight 335 against 1024): about four times slower, well within the 8 times a budget may stretch.
      os.setPriority(pid, 5);
      const budget = 2 * aloneMs;
      const started = Date.now();
      const r = await call(p, budget);
      const took = Date.now() - started;
      expect(r).toMatchObject({ ok: true });
      // It did wait for the core: past its budget in wall-clock time, within its computing budget.
      expect(took).toBeGreaterThan(budget);
    } finally {
      hog.kill('SIGKILL');
      await p.close();
    }
  }, 60000);
});

const reader = (file: string) => `import * as fs from 'fs';\nexport function run(x: any) { return { shape: [1], data: [fs.readFileSync(${JSON.stringify(file)}, 'utf8').length] }; }`;
const spawner = `import * as cp from 'child_process';\nexport function run(x: any) { return { shape: [1], data: [cp.execFileSync('/bin/echo', ['hi']).length] }; }`;
const referenceFile = path.join(ROOT, 'reference', 'activations', 'activations.ts');
if (!bwrapAvailable()) console.warn('SKIPPED: the bwrap sandbox tests, because bubblewrap is not usable on this machine');

describe.each(['permission', ...(bwrapAvailable() ? ['bwrap'] : [])] as SandboxMode[])('under the %s sandbox, student code', (sandbox) => {
  test('cannot read reference/', async () => {
    const p = probe(reader(referenceFile), sandbox);
    const r = await call(p);
    expect(r).toMatchObject({ ok: false, failure: { status: 'threw' } });
    expect(!r.ok && r.failure.message).toMatch(sandbox === 'bwrap' ? /ENOENT|restricted/ : /Access to this API has been restricted/);
    await p.close();
  });

  test('cannot start processes', async () => {
    const p = probe(spawner, sandbox);
    expect(await call(p)).toMatchObject({ ok: false, failure: { status: 'threw' } });
    await p.close();
  });
});

test('without a sandbox the same code can read reference/ (so the tests above test the sandbox)', async () => {
  const p = probe(reader(referenceFile), 'none');
  expect(await call(p)).toMatchObject({ ok: true });
  await p.close();
});

test('an ops file that reads an input the case does not have is named as the graders\' bug, not the student\'s', async () => {
  const p = probe(double);
  const r = await call(p, 3000, 'misnamed');
  expect(r).toMatchObject({ ok: false, failure: { status: 'threw' } });
  expect(!r.ok && r.failure.message).toContain("the grader's ops read input 'X', which the case does not have");
  await p.close();
});
