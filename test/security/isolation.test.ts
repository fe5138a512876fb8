/**
 * Attacks from inside the student process, tried for real in every confined sandbox: signals
 * at the grader, its process group and every process; messages shaped like the harness's own;
 * statuses claimed by printing them. Each must cost only the student.
 *
 * Real signals are sent only where a stray one cannot reach this machine's other processes:
 * as root the student runs as a throwaway user (GRADECHECK_STUDENT_UID below), and under
 * bwrap in its own pid namespace. Elsewhere (a developer's laptop) the same attacks use
 * signal 0, which only asks whether a process exists, and the test says so.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { gradeSubmission } from '../../graders/engine/core/grade';
import { StudentProcess } from '../../graders/engine/host/student-process';
import { buildModules, directoryTree, mapTree, overlay } from '../../graders/engine/host/modules';
import { ItemResult, Results } from '../../graders/engine/core/results';
import { SandboxMode, bwrapAvailable, dropsPrivileges } from '../../graders/engine/host/sandbox';
import { gradeForCi } from '../../graders/release/runtime/ci';
import { ROOT } from '../support/paths';
import { tempDir } from '../support/temp';

// A uid no account uses: whatever escapes the lock can reach only processes of this uid.
process.env.GRADECHECK_STUDENT_UID = String(60000 + (process.pid % 5000));

const MODES: SandboxMode[] = ['permission', ...(bwrapAvailable() ? (['bwrap'] as const) : [])];
if (!bwrapAvailable()) console.warn('SKIPPED: the bwrap variants of the isolation tests, because bubblewrap is not usable on this machine');

/** Whether real signals are safe to send from the student process in this mode here. */
const realSignals = (mode: SandboxMode) => mode === 'bwrap' || dropsPrivileges();
if (!dropsPrivileges()) console.warn('SKIPPED: real signals under the permission sandbox (not root, so the student cannot run as a throwaway user); signal 0 checks the same lock instead');

const REFERENCE = fs.readFileSync(path.join(ROOT, 'reference', 'activations', 'activations.ts'), 'utf8');

/** A submission whose activations.ts is the reference with `code` run first in the named functions. */
function submission(attacks: Record<string, string>, prelude = ''): string {
  const dir = tempDir('attack');
  let text = prelude + REFERENCE;
  for (const [fn, code] of Object.entries(attacks)) {
    const head = new RegExp(`(export function ${fn}\\([^)]*\\): Tensor \\{)`);
    expect(head.test(text)).toBe(true);
    text = text.replace(head, `$1\n  ${code};`);
  }
  fs.mkdirSync(path.join(dir, 'labs', 'activations'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'labs', 'activations', 'activations.ts'), text);
  return dir;
}

const byId = (r: Results): Record<string, ItemResult> => Object.fromEntries(r.labs[0].items.map((i) => [i.id, i]));

/** A process of this test's own user that a stray kill(-1) or kill(0) would take with it. */
function sentinel() {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  return { alive: () => child.exitCode === null && child.signalCode === null, stop: () => child.kill('SIGKILL') };
}

describe.each(MODES)('under the %s sandbox', (sandbox) => {
  const signal = (name: string) => (realSignals(sandbox) ? `'${name}'` : '0');

  test('the grader survives kill(ppid), kill(0), kill(-1), SIGSTOP of its parent and the raw bindings; only those items are lost', async () => {
    const attacks: Record<string, string> = {
      sigmoidForward: `process.kill(process.ppid, ${signal('SIGKILL')})`,
      tanhForward: `process.kill(0, ${signal('SIGKILL')})`,
      reluForward: `process.kill(-1, ${signal('SIGKILL')})`,
      leakyReluForward: `process.kill(process.ppid, ${signal('SIGSTOP')})`,
      geluForward: `(process as any)._kill(process.ppid, ${realSignals(sandbox) ? 9 : 0})`,
      softmaxForward: `(process as any)._debugProcess(process.ppid)`,
      logSoftmaxForward: `require('os').setPriority(process.ppid, 19)`,
    };
    const bystander = sentinel();
    try {
      const r = await gradeSubmission({ root: ROOT, submission: submission(attacks), labs: ['activations'], sandbox });
      const items = byId(r);
      const attacked = ['sigmoid.forward', 'tanh.forward', 'relu.forward', 'leaky_relu.forward', 'gelu.forward', 'softmax.forward', 'log_softmax.forward'];
      for (const id of attacked) {
        expect([id, items[id].status, items[id].score]).toEqual([id, 'threw', 0]);
        expect(items[id].message).toContain('not available to lab code');
      }
      // Other items pass, unless the code they run calls an attacked function (softmax's
      // backward calls its forward): then they too fail on the lock, and on nothing else.
      for (const item of r.labs[0].items) {
        if (item.status !== 'passed') expect([item.id, item.status, item.message]).toEqual([item.id, 'threw', expect.stringContaining('not available to lab code')]);
      }
      for (const id of ['sigmoid.backward', 'tanh.backward', 'relu.backward', 'leaky_relu.backward', 'gelu.backward']) expect([id, items[id].status]).toEqual([id, 'passed']);
      expect(bystander.alive()).toBe(true);
    } finally {
      bystander.stop();
    }
  }, 120000);

  test('a message shaped like the harness\'s own load failure changes nothing, and is never "internal error"', async () => {
    const forge = `for (let id = 0; id < 64; id++) (process as any).send({ type: 'load_failed', id, stage: 'ops', harness: true, error: { name: 'HarnessError', message: 'grader bug', stack: '', harness: true } });\n`;
    const dir = submission({}, forge);
    // Request ids are unguessable, so a reply sent before the request is never taken for it: the
    // forgeries are ignored and the lab is graded as the code is (it is the reference here).
    const r = await gradeSubmission({ root: ROOT, submission: dir, labs: ['activations'], sandbox });
    expect(r.labs[0].status).toBe('graded');
    expect(r.score).toBe(r.max_score);
    // The CI front end reports the student's points, not a failed grading (exit 3).
    const out = tempDir('ci');
    const ci = await gradeForCi({ graders: ROOT, submission: dir, out, labs: ['activations'], env: { GRADECHECK_SANDBOX: sandbox, GRADECHECK_CLASSROOM50_RESULT: path.join(out, 'c50.json') }, write: () => undefined });
    expect(ci.exitCode).toBe(0);
  }, 120000);

  test('result messages sent while loading, for every id, change no score', async () => {
    const forge = `for (let id = 0; id < 500; id++) { (process as any).send({ type: 'result', id, value: { y: { shape: [1], data: new Float64Array(1) } }, mutated: [] }); (process as any).send({ type: 'loaded', id, exports: [] }); }\n`;
    const r = await gradeSubmission({ root: ROOT, submission: submission({}, forge), labs: ['activations'], sandbox });
    expect(r.labs[0].items.filter((i) => i.status !== 'passed').map((i) => i.id)).toEqual([]);
    expect(r.score).toBe(r.max_score);
  }, 120000);
});

describe('statuses come from what the grader observed', () => {
  const probe = (source: string, sandbox: SandboxMode = 'permission', memoryMb = 96) => {
    const tree = overlay(mapTree({ 'labs/probe/probe.ts': source }, 'test'), directoryTree(ROOT));
    const built = buildModules(ROOT, tree, ['labs/probe/probe.ts'], 'test/fixtures/probe.ops.ts');
    expect(built.problems).toEqual([]);
    return new StudentProcess(built.modules, { sandbox, memoryMb });
  };
  const X = { shape: [3], data: Float64Array.of(1, 2, 3) };
  const call = (p: StudentProcess) => p.call({ op: 'run', stage: 'forward', inputs: { x: X }, params: {} }, 10000);
  const V8_OOM = 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory';

  test.each([
    ['printing V8\'s out-of-memory text, then exiting', `process.stderr.write('${V8_OOM}\\n'); process.exit(134);`, 'crashed'],
    ['printing it, then aborting', `process.stderr.write('${V8_OOM}\\n'); process.abort();`, 'crashed'],
    ['throwing an error that reads like running out of memory', `throw new RangeError('Invalid array length: heap out of memory');`, 'threw'],
  ])('%s is not out_of_memory', async (_what, body, status) => {
    const p = probe(`export function run(x: any) { ${body} return x; }`);
    const r = await call(p);
    expect(r).toMatchObject({ ok: false, failure: { status } });
    await p.close();
  });

  test('a real memory bomb still is', async () => {
    const p = probe(`export function run(x: any) { const hoard: number[][] = []; for (;;) hoard.push(new Array(1e6).fill(x.data[0])); }`, 'permission', 64);
    expect(await call(p)).toMatchObject({ ok: false, failure: { status: 'out_of_memory' } });
    await p.close();
  });

  test('a huge thrown message is bounded', async () => {
    const p = probe(`export function run(x: any) { throw new Error('x'.repeat(1e6)); }`);
    const r = await call(p);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.failure.message.length).toBeLessThan(3000);
    await p.close();
  });

  (dropsPrivileges() ? test : test.skip)('as root, the permission sandbox runs the student as GRADECHECK_STUDENT_UID, not root', async () => {
    const p = probe(`export function run(x: any) { return { shape: [2], data: Float64Array.of(process.getuid!(), process.getgid!()) }; }`);
    const uid = Number(process.env.GRADECHECK_STUDENT_UID);
    expect(await call(p)).toMatchObject({ ok: true, value: { y: { data: Float64Array.of(uid, uid) } } });
    await p.close();
  });

  test('without a user switch (a laptop), the signalling primitives refuse every process but its own', async () => {
    // sandbox none never switches user; signal 0 only asks whether the process exists.
    const p = probe(
      `export function run(x: any) {\n  const own = process.kill(process.pid, 0);\n  const refused = [() => process.kill(process.ppid, 0), () => process.kill(0, 0), () => process.kill(-1, 0), () => (process as any)._kill(process.ppid, 0), () => (process as any)._debugProcess(process.ppid)].filter((f) => { try { f(); return false; } catch (e: any) { return e.code === 'ERR_ACCESS_DENIED'; } }).length;\n  return { shape: [2], data: Float64Array.of(own ? 1 : 0, refused) };\n}`,
      'none',
    );
    expect(await call(p)).toMatchObject({ ok: true, value: { y: { shape: [2], data: Float64Array.of(1, 5) } } });
    await p.close();
  });
});
