/**
 * How the student process is started. Every mode runs student code in its own process with
 * a capped heap; the modes add walls around it:
 * - `permission`: Node's permission model: no file may be read but the process's own entry
 *   script (its modules arrive over IPC), no file written, no child process, no worker.
 * - `bwrap`: the same inside bubblewrap: no network, read-only system, nothing of the harness
 *   (no `reference/`, no fixtures) mounted, unprivileged uid 65534, own pid namespace.
 * - `none`: a plain process, for trusted code (the reference and the mutants).
 * `auto` picks bwrap when it works on this machine, else permission.
 */
import { ChildProcess, SpawnOptions, fork, spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../core/errors';

export const SANDBOX_MODES = ['auto', 'bwrap', 'permission', 'none'] as const;
export type SandboxRequest = (typeof SANDBOX_MODES)[number];
export type SandboxMode = Exclude<SandboxRequest, 'auto'>;

/** The student process's entry script; the only file it may read. */
export const CHILD_SCRIPT = path.join(__dirname, 'child.cjs');
const SANDBOX_SCRIPT = '/gradecheck-host/child.cjs';

/**
 * The permission model's flags, chosen by what the running Node accepts (not by its version):
 * Node 20 knows only `--experimental-permission`, 22 both, 24 and later only `--permission`.
 */
export function permissionFlag(flags: ReadonlySet<string> = process.allowedNodeEnvironmentFlags): string | undefined {
  if (flags.has('--permission')) return '--permission';
  if (flags.has('--experimental-permission')) return '--experimental-permission';
  return undefined;
}

/**
 * Whether the permission model of the running Node also governs the network (it then denies
 * it unless `--allow-net` is given, which we never give): Node 25 and later.
 */
export function permissionDeniesNetwork(flags: ReadonlySet<string> = process.allowedNodeEnvironmentFlags): boolean {
  return flags.has('--allow-net');
}

/**
 * V8's garbage collector on the main thread only: the student process is one computation on one
 * core, and its heap is small, so helper threads cost more than they save (the attention lab's
 * training item: 12 % less CPU and 8 % less time, 28 Nov 2026), and they would take a core from the
 * lab graded beside it.
 */
const GC_FLAGS = ['--single-threaded-gc'];

function nodeFlags(memoryMb: number, script: string, confined: boolean): string[] {
  const flags = [`--max-old-space-size=${memoryMb}`, ...GC_FLAGS, '--enable-source-maps', '--disallow-code-generation-from-strings', '--no-addons'];
  if (!confined) return flags;
  const permission = permissionFlag();
  if (!permission) throw new InputError('sandbox_unavailable', `Node ${process.version} has no permission model; gradecheck needs Node 20.19 or later`);
  flags.push(permission, `--allow-fs-read=${script}`);
  if (process.allowedNodeEnvironmentFlags.has('--disable-warning')) flags.push('--disable-warning=ExperimentalWarning');
  return flags;
}

function bwrapArgs(script: string): string[] {
  const node = process.execPath;
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--uid', '65534', '--gid', '65534'];
  args.push('--ro-bind', '/usr', '/usr');
  for (const link of ['lib', 'lib64', 'bin']) {
    if (fs.existsSync(`/${link}`) && fs.lstatSync(`/${link}`).isSymbolicLink()) args.push('--symlink', fs.readlinkSync(`/${link}`), `/${link}`);
    else if (fs.existsSync(`/${link}`)) args.push('--ro-bind', `/${link}`, `/${link}`);
  }
  args.push('--ro-bind', script, SANDBOX_SCRIPT, '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--chdir', '/tmp');
  // After the fresh /tmp, so that a Node installed under /tmp is not hidden by it.
  if (!node.startsWith('/usr/')) args.push('--ro-bind', path.dirname(node), path.dirname(node));
  return args;
}

let bwrapWorks: boolean | undefined;

const BWRAP_PROBE = () => [...bwrapArgs(CHILD_SCRIPT), process.execPath, '-e', 'process.exit(process.getuid() === 65534 ? 0 : 3)'];

/** Whether bubblewrap is installed and can make an unprivileged sandbox here (checked once). */
export function bwrapAvailable(): boolean {
  if (bwrapWorks === undefined) {
    const r = spawnSync('bwrap', BWRAP_PROBE(), { stdio: 'ignore', timeout: 10000 });
    bwrapWorks = r.status === 0;
  }
  return bwrapWorks;
}

/**
 * The same check, started in the background: a run that will need it soon (Jest's global setup)
 * starts it before loading the engine, so the two overlap.
 */
export function probeBwrap(): Promise<boolean> {
  if (bwrapWorks !== undefined) return Promise.resolve(bwrapWorks);
  return new Promise((resolve) => {
    const done = (works: boolean) => resolve((bwrapWorks ??= works));
    try {
      const child = spawn('bwrap', BWRAP_PROBE(), { stdio: 'ignore', timeout: 10000 });
      child.on('error', () => done(false));
      child.on('exit', (code) => done(code === 0));
    } catch {
      done(false);
    }
  });
}

export function resolveSandbox(request: SandboxRequest): SandboxMode {
  if (request === 'auto') return bwrapAvailable() ? 'bwrap' : 'permission';
  if (request === 'bwrap' && !bwrapAvailable()) {
    throw new InputError('sandbox_unavailable', 'bubblewrap is not usable here (install it with `apt-get install bubblewrap`; on Ubuntu 24.04 also `sysctl kernel.apparmor_restrict_unprivileged_userns=0`), or use --sandbox permission');
  }
  return request;
}

/** The uid and gid a confined student process runs as when the grader is root (`nobody`). */
export const STUDENT_UID = 65534;

/**
 * The uid (and gid) for student processes when the grader is root: GRADECHECK_STUDENT_UID, for
 * a TA who gives grading its own user (tests use a throwaway one), else `nobody`.
 */
export function studentUid(env: NodeJS.ProcessEnv = process.env): number {
  const asked = env.GRADECHECK_STUDENT_UID;
  if (asked === undefined || asked === '') return STUDENT_UID;
  const uid = Number(asked);
  if (!Number.isInteger(uid) || uid <= 0 || uid > 4294967294) throw new InputError('sandbox_unavailable', `GRADECHECK_STUDENT_UID must be a positive whole number (a user other than root), not '${asked}'`);
  return uid;
}

/** Whether every folder on the way to `file` lets others through, and `file` lets others run it. */
function othersCanRun(file: string): boolean {
  try {
    let dir = path.dirname(file);
    for (;;) {
      if ((fs.statSync(dir).mode & 0o001) === 0) return false;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    return (fs.statSync(file).mode & 0o005) === 0o005;
  } catch {
    return false;
  }
}

let canDrop: boolean | undefined;

/**
 * Whether the grader can start the student process as another, unprivileged user: it runs as
 * root, and that user can run this Node (one installed under /root cannot be). Where it
 * cannot, the signalling primitives stay locked (child.cjs), as on a student's laptop.
 */
export function dropsPrivileges(): boolean {
  canDrop ??= typeof process.getuid === 'function' && process.getuid() === 0 && othersCanRun(process.execPath);
  return canDrop;
}

let sharedScript: string | undefined;

/** Whether another user can pass through every folder from the root down to `dir`. */
function othersCanEnter(dir: string): boolean {
  try {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      if ((fs.statSync(d).mode & 0o001) === 0) return false;
      if (path.dirname(d) === d) return true;
    }
  } catch {
    return false;
  }
}

/**
 * Where the copy goes: the temporary folder, unless the unprivileged user cannot get to it (a
 * TMPDIR inside a folder only root can enter), then /tmp.
 */
function scriptBase(): string {
  return [os.tmpdir(), '/tmp'].find(othersCanEnter) ?? os.tmpdir();
}

/**
 * The entry script where an unprivileged user can read it: the checkout may sit in a folder
 * only root can enter (/root), so a copy goes into a root-owned, world-readable folder under the
 * temporary directory (or /tmp, when that user cannot get to it), named by the script's content and kept: every process of every run
 * shares it, so a worker that is killed (batch stops its workers) leaves nothing behind. A
 * folder of that name that is not exactly ours (another owner, writable by others, another
 * content) is never used: a fresh one is made instead, and removed when this process exits.
 */
export function readableScript(): string {
  if (sharedScript && fs.existsSync(sharedScript)) return sharedScript;
  const text = fs.readFileSync(CHILD_SCRIPT);
  const base = scriptBase();
  const stable = path.join(base, `gradecheck-host-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`);
  const file = path.join(stable, 'child.cjs');
  const ours = (p: string) => {
    const st = fs.lstatSync(p);
    return st.uid === process.getuid?.() && (st.mode & 0o022) === 0 && !st.isSymbolicLink();
  };
  try {
    try {
      fs.mkdirSync(stable, { mode: 0o755 });
      fs.chmodSync(stable, 0o755);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (ours(stable)) {
      if (!fs.existsSync(file) || !fs.readFileSync(file).equals(text)) {
        const tmp = path.join(stable, `.child.cjs.${process.pid}`);
        fs.writeFileSync(tmp, text, { mode: 0o644 });
        fs.chmodSync(tmp, 0o644);
        fs.renameSync(tmp, file);
      }
      if (ours(file) && fs.readFileSync(file).equals(text)) return (sharedScript = file);
    }
  } catch {
    // not usable: a fresh folder of this process's own below
  }
  const dir = fs.mkdtempSync(path.join(base, 'gradecheck-host-'));
  fs.chmodSync(dir, 0o755);
  const fresh = path.join(dir, 'child.cjs');
  fs.writeFileSync(fresh, text, { mode: 0o644 });
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return (sharedScript = fresh);
}

/**
 * Starts the student process with an IPC channel (structured-clone serialization). Confined
 * modes keep it from signalling any process but its own: bwrap by a pid namespace; the
 * permission mode, when the grader is root, by running it as another user (`studentUid`), and
 * everywhere by child.cjs removing the signalling primitives before student code loads.
 */
export function startChild(mode: SandboxMode, memoryMb: number): ChildProcess {
  const options: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced', env: {} };
  if (mode === 'bwrap') {
    return spawn('bwrap', [...bwrapArgs(CHILD_SCRIPT), process.execPath, ...nodeFlags(memoryMb, SANDBOX_SCRIPT, true), SANDBOX_SCRIPT], options);
  }
  if (mode === 'permission' && dropsPrivileges()) {
    const script = readableScript();
    const uid = studentUid();
    return fork(script, [], { ...options, cwd: path.dirname(script), uid, gid: uid, execArgv: nodeFlags(memoryMb, script, true) } as Parameters<typeof fork>[2]);
  }
  return fork(CHILD_SCRIPT, [], { ...options, execArgv: nodeFlags(memoryMb, CHILD_SCRIPT, mode === 'permission') } as Parameters<typeof fork>[2]);
}
