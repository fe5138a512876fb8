/**
 * A batch worker keeps one empty student process started ahead of the next lab (a spare). The
 * next lab gets it instead of waiting for a start, and isolation holds: the spare has run no
 * lab code, each lab's process serves that lab only, and nothing one lab's code left in its
 * process is visible to the next lab.
 */
import { StudentProcess, keepSpareStudentProcess, spareStudentProcessPid } from '../../graders/engine/host/student-process';
import { buildModules, directoryTree, mapTree, overlay } from '../../graders/engine/host/modules';
import { ROOT } from '../support/paths';

const X = { shape: [1], data: Float64Array.of(1) };

function probe(source: string): StudentProcess {
  const tree = overlay(mapTree({ 'labs/probe/probe.ts': source }, 'test'), directoryTree(ROOT));
  const built = buildModules(ROOT, tree, ['labs/probe/probe.ts'], 'test/fixtures/probe.ops.ts');
  expect(built.problems).toEqual([]);
  return new StudentProcess(built.modules, { sandbox: 'permission', memoryMb: 96 });
}

const run = (p: StudentProcess) => p.call({ op: 'run', stage: 'forward', inputs: { x: X }, params: {} }, 5000);

/** Leaves a mark in its process's globals and reports what marks it found there. */
const marking = (mark: string) =>
  `const g = globalThis as any;\nconst found = String(g.__mark ?? 'none');\ng.__mark = '${mark}';\nexport function run(x: any) { return { shape: [1], data: Float64Array.of(found === 'none' ? 0 : 1) }; }`;

async function waitForSpare(): Promise<number> {
  for (let i = 0; i < 200 && spareStudentProcessPid() === undefined; i++) await new Promise((r) => setTimeout(r, 25));
  return spareStudentProcessPid()!;
}

afterEach(() => keepSpareStudentProcess(false));

test('without spares (the default), no process is started ahead', async () => {
  const p = probe(marking('a'));
  expect(await run(p)).toMatchObject({ ok: true });
  expect(spareStudentProcessPid()).toBeUndefined();
  await p.close();
});

test("the next lab runs in the spare started during the previous one's start, and sees nothing the previous lab left", async () => {
  keepSpareStudentProcess(true);
  const first = probe(marking('student A'));
  expect(await run(first)).toMatchObject({ ok: true, value: { y: { data: Float64Array.of(0) } } });
  const firstPid = first.pid!;
  const spare = await waitForSpare();
  expect(spare).not.toBe(firstPid);
  await first.close();

  const second = probe(marking('student B'));
  const r = await run(second);
  // The second lab's process is the spare, and its globals hold no mark of the first lab.
  expect(second.pid).toBe(spare);
  expect(r).toMatchObject({ ok: true, value: { y: { data: Float64Array.of(0) } } });
  // And the spare it left for the next lab is yet another process.
  const next = await waitForSpare();
  expect([firstPid, spare]).not.toContain(next);
  await second.close();
});

test('a process replaced after an infinite loop is a fresh one (the spare), not the one that looped', async () => {
  keepSpareStudentProcess(true);
  const p = probe(`export function run(x: any) { if (x.data[0] === 1) { for (;;) {} } return x; }`);
  expect(await p.call({ op: 'run', stage: 'forward', inputs: { x: X }, params: {} }, 500)).toMatchObject({ ok: false, failure: { status: 'timed_out' } });
  const spare = await waitForSpare();
  const again = await p.call({ op: 'run', stage: 'forward', inputs: { x: { shape: [1], data: Float64Array.of(2) } }, params: {} }, 5000);
  expect(again).toMatchObject({ ok: true });
  expect(p.starts).toBe(2);
  expect(p.pid).toBe(spare);
  await p.close();
});

test('turning spares off stops the one kept', async () => {
  keepSpareStudentProcess(true);
  const p = probe(marking('a'));
  await run(p);
  const spare = await waitForSpare();
  keepSpareStudentProcess(false);
  expect(spareStudentProcessPid()).toBeUndefined();
  let alive = true;
  for (let i = 0; i < 200 && alive; i++) {
    try {
      process.kill(spare, 0);
      await new Promise((r) => setTimeout(r, 25));
    } catch {
      alive = false;
    }
  }
  expect(alive).toBe(false);
  await p.close();
});
