/**
 * node -r ./graders/engine/host/register.cjs scripts/measure-student-run.ts [--runs N] [--cold-runs N] [--labs a,b] [--release DIR] [--offline] [--keep]
 *
 * Measures a student's `npm test` in a release against Jest's floor on the same machine, in the
 * same session (issue 15; docs/speed.md):
 *
 * 1. builds a student release (`gradecheck release`), copies each lab's reference/<lab>/ into
 *    its labs/<lab>/ (every item passes), runs `npm ci`;
 * 2. the floor: one trivial TypeScript Jest test in that release (graders/zz.test.ts, run with
 *    `npx jest graders/zz.test.ts`);
 * 3. warm (after one untimed run of each): floor, all labs (`npx jest`, zz left out), floor, one
 *    lab (`npx jest <first lab>`), round after round, so that each target is timed beside a
 *    floor under the same load;
 * 4. cold: `npx jest --clearCache` before each run of all labs.
 *
 * Every run uses a Jest cache folder of the release's own (node_modules/.cache/jest), so that
 * clearing it touches no other project's.
 *
 * It prints the machine (cores, CPU, memory, Node), then per measurement the median wall time,
 * the ratio to the floor (median of the per-round ratios), the CPU time of the process tree
 * (Linux: from /proc) and the 1-minute load average seen during the runs.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'scripts', 'gradecheck.cjs');
const FLOOR_TEST = "test('t', () => {\n  expect(1).toBe(1);\n});\n";

const HELP = `measure-student-run: a student's npm test in a release, against Jest's floor

  node -r ./graders/engine/host/register.cjs scripts/measure-student-run.ts [options]

  --runs N        warm rounds (floor, all labs, floor, one lab), default 5
  --cold-runs N   cold runs of all labs (Jest's cache cleared before each), default 3
  --labs a,b      the labs to release (default: the assignment's)
  --release DIR   measure this release (already built, references in labs/, npm ci done)
  --offline       npm ci --offline (only the npm cache)
  --keep          keep the release built here
  -h, --help      this text
`;

interface Sample {
  wall: number;
  /** CPU seconds of the command's process tree (user + system), where /proc tells it. */
  cpu?: number;
  load: number;
  status: number | null;
}

/** CPU seconds this process's waited-for children have used (Linux /proc; undefined elsewhere). */
function childrenCpu(): number | undefined {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // Fields 16 and 17 of stat (cutime, cstime), counted from the state field (3) here.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * One timed run. CI=true makes every run grade every lab (a student's own run keeps the outcome
 * of an unchanged lab, graders/engine/jest/reuse.ts); `reuse` measures that re-run instead.
 */
function timed(command: string, args: string[], cwd: string, reuse = false): Sample {
  const load = os.loadavg()[0];
  const cpuBefore = childrenCpu();
  const started = process.hrtime.bigint();
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', NO_COLOR: '1' };
  if (reuse) delete env.CI;
  const r = spawnSync(command, args, { cwd, stdio: 'ignore', env, shell: process.platform === 'win32' });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = childrenCpu();
  return { wall, cpu: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined, load: Math.max(load, os.loadavg()[0]), status: r.status };
}

function must(command: string, args: string[], cwd: string): void {
  const r = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${r.status}) in ${cwd}:\n${r.stderr?.slice(-2000)}`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function machine(): string {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    /* not Linux */
  }
  return `${os.availableParallelism()} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

function prepare(labs: string | undefined, offline: boolean): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gradecheck-measure-')), 'release');
  process.stderr.write(`building the release in ${dir}...\n`);
  must(process.execPath, [CLI, 'release', '--out', dir, ...(labs ? ['--labs', labs] : [])], ROOT);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, '.gradecheck-release'), 'utf8')) as { labs: string[] };
  for (const lab of manifest.labs) fs.cpSync(path.join(ROOT, 'reference', lab), path.join(dir, 'labs', lab), { recursive: true });
  process.stderr.write('npm ci...\n');
  must('npm', ['ci', '--no-audit', '--no-fund', ...(offline ? ['--offline'] : [])], dir);
  return dir;
}

function main(): number {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      'cold-runs': { type: 'string', default: '3' },
      labs: { type: 'string' },
      release: { type: 'string' },
      offline: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const runs = Number(values.runs);
  const coldRuns = Number(values['cold-runs']);
  if (!(Number.isInteger(runs) && runs >= 1 && Number.isInteger(coldRuns) && coldRuns >= 0)) {
    process.stderr.write('measure-student-run: --runs must be a positive whole number and --cold-runs a whole number\n');
    return 2;
  }
  const built = !values.release;
  const dir = values.release ? path.resolve(values.release) : prepare(values.labs, values.offline);
  if (!fs.existsSync(path.join(dir, 'node_modules', 'jest'))) {
    process.stderr.write(`measure-student-run: ${dir} has no node_modules/jest (run npm ci there first)\n`);
    return 2;
  }
  const labs = (JSON.parse(fs.readFileSync(path.join(dir, '.gradecheck-release'), 'utf8')) as { labs: string[] }).labs;
  fs.writeFileSync(path.join(dir, 'graders', 'zz.test.ts'), FLOOR_TEST);
  // Jest's cache of this release only: clearing it leaves other projects' Jest caches alone.
  const jest = [require.resolve('jest/bin/jest', { paths: [dir] }), '--cacheDirectory', path.join(dir, 'node_modules', '.cache', 'jest')];
  const floor = () => timed(process.execPath, [...jest, 'graders/zz.test.ts'], dir);
  const all = () => timed(process.execPath, [...jest, '--testPathIgnorePatterns', '/zz\\.test\\.ts$'], dir);
  const one = () => timed(process.execPath, [...jest, `graders/${labs[0]}\\.test\\.ts$`], dir);
  const allKept = () => timed(process.execPath, [...jest, '--testPathIgnorePatterns', '/zz\\.test\\.ts$'], dir, true);

  try {
    process.stderr.write('warming up (untimed)...\n');
    floor();
    all();
    one();
    allKept(); // a student's first run: the outcomes the next runs keep
    const rows: Record<'floorAll' | 'all' | 'floorOne' | 'one' | 'floorKept' | 'kept', Sample[]> = { floorAll: [], all: [], floorOne: [], one: [], floorKept: [], kept: [] };
    for (let i = 0; i < runs; i++) {
      rows.floorAll.push(floor());
      rows.all.push(all());
      rows.floorOne.push(floor());
      rows.one.push(one());
      rows.floorKept.push(floor());
      rows.kept.push(allKept());
      process.stderr.write(`round ${i + 1}/${runs}: floor ${rows.floorAll[i].wall.toFixed(2)} s, all ${rows.all[i].wall.toFixed(2)} s, floor ${rows.floorOne[i].wall.toFixed(2)} s, ${labs[0]} ${rows.one[i].wall.toFixed(2)} s, floor ${rows.floorKept[i].wall.toFixed(2)} s, all unchanged ${rows.kept[i].wall.toFixed(2)} s\n`);
    }
    const cold: Sample[] = [];
    for (let i = 0; i < coldRuns; i++) {
      must(process.execPath, [...jest, '--clearCache'], dir);
      cold.push(all());
      process.stderr.write(`cold ${i + 1}/${coldRuns}: all ${cold[i].wall.toFixed(2)} s\n`);
    }
    const failed = [...rows.all, ...rows.one, ...cold].filter((s) => s.status !== 0).length;

    const secs = (xs: Sample[]) => `${median(xs.map((s) => s.wall)).toFixed(2)} s`;
    const cpu = (xs: Sample[]) => (xs.every((s) => s.cpu !== undefined) ? `${median(xs.map((s) => s.cpu!)).toFixed(2)} s` : '-');
    const loads = (xs: Sample[]) => `${Math.min(...xs.map((s) => s.load)).toFixed(1)}–${Math.max(...xs.map((s) => s.load)).toFixed(1)}`;
    const ratio = (target: Sample[], base: Sample[]) => `${median(target.map((s, i) => s.wall / base[i].wall)).toFixed(1)}×`;
    const lines = [
      `machine: ${machine()}`,
      `release: ${dir} (labs ${labs.join(', ')}); ${runs} warm rounds, ${coldRuns} cold runs${failed ? `; ${failed} runs exited non-zero (a lab does not pass: check the release)` : ''}`,
      '',
      '| what | floor (median) | now (median) | ratio (median of pairs) | CPU floor / now | load avg (1 min) |',
      '|---|---|---|---|---|---|',
      `| all ${labs.length} labs, warm, every lab graded (CI=true) | ${secs(rows.floorAll)} | ${secs(rows.all)} | ${ratio(rows.all, rows.floorAll)} | ${cpu(rows.floorAll)} / ${cpu(rows.all)} | ${loads([...rows.floorAll, ...rows.all])} |`,
      `| all ${labs.length} labs, warm, nothing changed since the last run (outcomes kept) | ${secs(rows.floorKept)} | ${secs(rows.kept)} | ${ratio(rows.kept, rows.floorKept)} | ${cpu(rows.floorKept)} / ${cpu(rows.kept)} | ${loads([...rows.floorKept, ...rows.kept])} |`,
      `| one lab (${labs[0]}), warm | ${secs(rows.floorOne)} | ${secs(rows.one)} | ${ratio(rows.one, rows.floorOne)} | ${cpu(rows.floorOne)} / ${cpu(rows.one)} | ${loads([...rows.floorOne, ...rows.one])} |`,
      ...(cold.length ? [`| all ${labs.length} labs, cold (jest --clearCache) | — | ${secs(cold)} | — | — / ${cpu(cold)} | ${loads(cold)} |`] : []),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return failed ? 1 : 0;
  } finally {
    fs.rmSync(path.join(dir, 'graders', 'zz.test.ts'), { force: true });
    if (built && !values.keep) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    else if (built) process.stderr.write(`kept ${dir}\n`);
  }
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`measure-student-run: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
