/**
 * As root, the permission sandbox starts the student process as another user, from a copy of
 * the entry script that user can read (sandbox.ts `readableScript`). The copy is shared by every
 * process and kept, so that killed workers leave nothing behind in the temporary folder, and a
 * folder of that name that is not exactly ours (another owner, writable by others, another
 * content) is never used. Each case runs in its own Node with its own TMPDIR.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CHILD_SCRIPT } from '../../graders/engine/host/sandbox';
import { ROOT } from '../support/paths';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) console.warn('SKIPPED: the shared entry script of the permission sandbox, because only root starts student processes as another user');

const text = fs.readFileSync(CHILD_SCRIPT);
const name = `gradecheck-host-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
const tmpRoots: string[] = [];
afterAll(() => tmpRoots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A fresh temporary folder, world-writable and sticky like /tmp. */
function tmpRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradecheck-tmproot-'));
  fs.chmodSync(dir, 0o1777);
  tmpRoots.push(dir);
  return dir;
}

/** The script path a fresh Node process gets with TMPDIR=tmp. */
function scriptIn(tmp: string): string {
  const r = spawnSync(process.execPath, ['-r', './graders/engine/host/register.cjs', '-e', "process.stdout.write(require('./graders/engine/host/sandbox.ts').readableScript())"], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: tmp },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

(isRoot ? describe : describe.skip)('the entry script the student user reads', () => {
  test('is one root-owned copy per script content, kept and shared by every process', () => {
    const tmp = tmpRoot();
    const first = scriptIn(tmp);
    expect(first).toBe(path.join(tmp, name, 'child.cjs'));
    expect(scriptIn(tmp)).toBe(first);
    expect(fs.readdirSync(tmp)).toEqual([name]);
    const [dir, file] = [fs.statSync(path.dirname(first)), fs.statSync(first)];
    expect([dir.uid, dir.mode & 0o777, file.uid, file.mode & 0o777]).toEqual([0, 0o755, 0, 0o644]);
    expect(fs.readFileSync(first).equals(text)).toBe(true);
  });

  test('a temporary folder the student user cannot get to (inside a folder only root enters) is not used: the copy goes to /tmp', () => {
    const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradecheck-tmproot-'));
    tmpRoots.push(privateDir);
    fs.chmodSync(privateDir, 0o700);
    const tmp = path.join(privateDir, 'tmp');
    fs.mkdirSync(tmp, { mode: 0o1777 });
    const script = scriptIn(tmp);
    expect(script).toBe(path.join('/tmp', name, 'child.cjs'));
    // The student user reads it.
    const read = spawnSync(process.execPath, ['-e', `require('fs').readFileSync(${JSON.stringify(script)})`], { uid: 65534, gid: 65534 });
    expect(read.status).toBe(0);
  });

  test('a folder of that name writable by others, or owned by another user, is not used', () => {
    for (const prepare of [(d: string) => fs.chmodSync(d, 0o777), (d: string) => fs.chownSync(d, 65534, 65534)]) {
      const tmp = tmpRoot();
      const planted = path.join(tmp, name);
      fs.mkdirSync(planted);
      fs.writeFileSync(path.join(planted, 'child.cjs'), 'process.exit(0) // not the harness');
      prepare(planted);
      const got = scriptIn(tmp);
      expect(path.dirname(got)).not.toBe(planted);
      expect(path.basename(got)).toBe('child.cjs');
      // the planted copy is left as it was, and that process's own folder went with it
      expect(fs.readFileSync(path.join(planted, 'child.cjs'), 'utf8')).toBe('process.exit(0) // not the harness');
      expect(fs.existsSync(got)).toBe(false);
    }
  });

  test('a copy of other content in our own folder is replaced, not run', () => {
    const tmp = tmpRoot();
    const ours = path.join(tmp, name);
    fs.mkdirSync(ours, { mode: 0o755 });
    fs.writeFileSync(path.join(ours, 'child.cjs'), 'process.exit(0) // stale', { mode: 0o644 });
    const got = scriptIn(tmp);
    expect(got).toBe(path.join(ours, 'child.cjs'));
    expect(fs.readFileSync(got).equals(text)).toBe(true);
  });
});
