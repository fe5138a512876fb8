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
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from './errors';

export const SANDBOX_MODES = ['auto', 'bwrap', 'permission', 'none'] as const;
export type SandboxRequest = (typeof SANDBOX_MODES)[number];
export type SandboxMode = Exclude<SandboxRequest, 'auto'>;

/** The student process's entry script; the only file it may read. */
export const CHILD_SCRIPT = path.join(__dirname, 'host', 'child.cjs');
const SANDBOX_SCRIPT = '/gradecheck-host/child.cjs';

function nodeFlags(memoryMb: number, script: string, confined: boolean): string[] {
  const flags = [`--max-old-space-size=${memoryMb}`, '--enable-source-maps', '--disallow-code-generation-from-strings'];
  if (confined) flags.push('--experimental-permission', `--allow-fs-read=${script}`, '--disable-warning=ExperimentalWarning');
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
  if (!node.startsWith('/usr/')) args.push('--ro-bind', path.dirname(node), path.dirname(node));
  args.push('--ro-bind', script, SANDBOX_SCRIPT, '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--chdir', '/tmp');
  return args;
}

let bwrapWorks: boolean | undefined;

/** Whether bubblewrap is installed and can make an unprivileged sandbox here (checked once). */
export function bwrapAvailable(): boolean {
  if (bwrapWorks === undefined) {
    const r = spawnSync('bwrap', [...bwrapArgs(CHILD_SCRIPT), process.execPath, '-e', 'process.exit(process.getuid() === 65534 ? 0 : 3)'], { stdio: 'ignore', timeout: 10000 });
    bwrapWorks = r.status === 0;
  }
  return bwrapWorks;
}

export function resolveSandbox(request: SandboxRequest): SandboxMode {
  if (request === 'auto') return bwrapAvailable() ? 'bwrap' : 'permission';
  if (request === 'bwrap' && !bwrapAvailable()) {
    throw new InputError('sandbox_unavailable', 'bubblewrap is not usable here (install it with `apt-get install bubblewrap`; on Ubuntu 24.04 also `sysctl kernel.apparmor_restrict_unprivileged_userns=0`), or use --sandbox permission');
  }
  return request;
}

/** Starts the student process with an IPC channel (structured-clone serialization). */
export function startChild(mode: SandboxMode, memoryMb: number): ChildProcess {
  const options: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced', env: {} };
  if (mode === 'bwrap') {
    return spawn('bwrap', [...bwrapArgs(CHILD_SCRIPT), process.execPath, ...nodeFlags(memoryMb, SANDBOX_SCRIPT, true), SANDBOX_SCRIPT], options);
  }
  return fork(CHILD_SCRIPT, [], { ...options, execArgv: nodeFlags(memoryMb, CHILD_SCRIPT, mode === 'permission') } as Parameters<typeof fork>[2]);
}
