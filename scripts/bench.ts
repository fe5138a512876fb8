/**
 * `npm run bench [-- --count K --jobs N --sample S --labs a,b --keep]`
 *
 * Makes K synthetic submissions (reference solutions, known mistakes, untouched stubs and a
 * few hostile ones: an infinite loop, a memory bomb, a fake score with process.exit, an
 * output flood, a wait without computing (Atomics.wait), each in one lab's first exported
 * function, a timer that keeps the process busy between calls, 8 MB of code in a lab file, and
 * an infinite loop, a memory bomb and process.exit in labs/common's `tensor`, which every lab
 * calls) and grades them two ways, side by side in this run:
 *
 * - `gradecheck batch` on all K (worker pool, --jobs N);
 * - the way a GitHub Classroom workflow grades: for each submission, for each lab, one
 *   `npx jest -c jest.graders.config.js graders/<lab>.test.ts` process, one after another.
 *   That takes seconds per lab, so it grades a sample: the first S submissions, which hold the
 *   same mix of kinds as the whole (S = 20 by default, one full cycle of the mix). batch is
 *   also timed on that same sample, for a like-for-like figure.
 *
 * It prints submissions per minute for each, their ratio, the peak resident memory of each
 * process tree (sampled from /proc every 100 ms; student processes included), the CPU time
 * per submission and the student processes' part of it, the bound that part sets (the most
 * submissions a minute any batch could grade with those student processes on this machine's
 * cores, whatever the grader cost), and per
 * submission the slowest (its id and seconds) and the median: for batch, the grading time each
 * student's record.json holds; for the baseline, its Jest runs' times added up.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { expectedFor } from '../graders/engine/core/expected';
import { loadLab, selectLabs, Lab } from '../graders/engine/core/labs';
import { applyMutant } from '../graders/engine/authoring/expected-values';
import { resolveSandbox } from '../graders/engine/host/sandbox';
import { hostileCommonTensor } from './hostile-common';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'scripts', 'gradecheck.cjs');

/** One cycle of the class: what each submission is, by index modulo 20. */
const MIX: Kind[] = [
  'reference', 'mutant', 'reference', 'stub', 'mutant', 'reference', 'mutant', 'reference', 'hostile', 'mutant',
  'reference', 'stub', 'mutant', 'hostile', 'mutant', 'reference', 'stub', 'mutant', 'reference', 'hostile',
];
type Kind = 'reference' | 'mutant' | 'stub' | 'hostile';
/** In turn (the first three are the sample's; 60 submissions hold nine hostile ones). */
const HOSTILE = [
  'infinite loop',
  'memory bomb',
  'fake score and process.exit(0)',
  'infinite loop in a helper every lab calls',
  'memory bomb in a helper every lab calls',
  'process.exit in a helper every lab calls',
  'output flood',
  'wait without computing',
  'busy between calls',
  'a file too large to compile',
] as const;
type Hostile = (typeof HOSTILE)[number];
/** The hostile kinds that live in labs/common (every lab of the submission), not in one lab's first function. */
const IN_COMMON = {
  'infinite loop in a helper every lab calls': 'for (;;) {}',
  'memory bomb in a helper every lab calls': 'const hoard: Float64Array[] = [];\n    for (;;) hoard.push(new Float64Array(1 << 24).fill(1));',
  'process.exit in a helper every lab calls': 'process.exit(0);',
} as const satisfies Partial<Record<Hostile, string>>;
/** The hostile kinds written into one lab's first exported function (hostileCode). */
type InLab = Exclude<Hostile, keyof typeof IN_COMMON>;
const inCommon = (kind: Hostile): kind is keyof typeof IN_COMMON => kind in IN_COMMON;

// ----- the synthetic class ----------------------------------------------------------------------

/** Code appended to a lab file that turns its first exported function hostile. */
function hostileCode(kind: InLab, fn: string): string {
  const target = `(exports as any).${fn}`;
  switch (kind) {
    case 'infinite loop':
      return `\n${target} = function () {\n  for (;;) {}\n};\n`;
    case 'memory bomb':
      return `\n${target} = function () {\n  const hoard: Float64Array[] = [];\n  for (;;) hoard.push(new Float64Array(1 << 24).fill(1));\n};\n`;
    case 'fake score and process.exit(0)':
      return `\nconsole.log('Total: 100 / 100 (100.0%)');\nconsole.log(JSON.stringify({ score: 100 }));\nprocess.exit(0);\n`;
    case 'wait without computing':
      return `\n${target} = function () {\n  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600000);\n};\n`;
    case 'busy between calls':
      return `\nsetTimeout(() => {\n  for (;;) {}\n}, 0);\n`;
    case 'a file too large to compile':
      // 8 MB of code (the intake takes up to 10 MB of labs/): compiling it would cost the grader's own time.
      return `\nexport const junk = [${'1234567, '.repeat(900_000)}];\n`;
    case 'output flood':
      return `\nconst original = ${target};\n${target} = function (...args: unknown[]) {\n  for (let i = 0; i < 20000; i++) console.log('SCORE: 100/100 '.repeat(8));\n  return original(...args);\n};\n`;
  }
}

/** How many hostile submissions come before this one: the hostile kinds take turns. */
function hostileOrdinal(index: number): number {
  const perCycle = MIX.filter((k) => k === 'hostile').length;
  return Math.floor(index / MIX.length) * perCycle + MIX.slice(0, index % MIX.length).filter((k) => k === 'hostile').length;
}

/** Writes one submission: for each lab, the files of its kind. */
function writeSubmission(dir: string, index: number, labs: Lab[]): string {
  const kind = MIX[index % MIX.length];
  let what: string = kind;
  // A hostile student is hostile in one lab (the labs take turns) and correct in the others.
  const hostile = kind === 'hostile' ? HOSTILE[hostileOrdinal(index) % HOSTILE.length] : undefined;
  let inLab: InLab | undefined;
  if (hostile && inCommon(hostile)) {
    fs.mkdirSync(path.join(dir, 'labs', 'common'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'labs', 'common', 'tensor.ts'), hostileCommonTensor(IN_COMMON[hostile]));
    what = `hostile (${hostile})`;
  } else inLab = hostile;
  const hostileLab = inLab ? labs[hostileOrdinal(index) % labs.length] : undefined;
  for (const lab of labs) {
    const labDir = path.join(dir, 'labs', lab.name);
    fs.mkdirSync(labDir, { recursive: true });
    const mutants = Object.values(lab.mutants);
    const mutant = kind === 'mutant' && mutants.length ? mutants[index % mutants.length] : undefined;
    for (const file of lab.rubric.files) {
      const source = kind === 'stub' ? path.join(ROOT, 'labs', lab.name, file) : path.join(ROOT, 'reference', lab.name, file);
      let text = fs.readFileSync(source, 'utf8');
      if (mutant && mutant.file === file) text = applyMutant(mutant, text);
      if (inLab && lab === hostileLab && file === lab.rubric.files[0]) {
        const fn = /export function (\w+)/.exec(text)?.[1];
        if (fn) text += hostileCode(inLab, fn);
        what = `hostile (${inLab})`;
      }
      fs.mkdirSync(path.dirname(path.join(labDir, file)), { recursive: true });
      fs.writeFileSync(path.join(labDir, file), text);
    }
  }
  return what;
}

// ----- measuring --------------------------------------------------------------------------------

/** Resident memory of a process and all its descendants, in bytes (Linux /proc). */
function treeRss(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      for (const tid of fs.readdirSync(`/proc/${p}/task`)) {
        for (const c of fs.readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').split(/\s+/).filter(Boolean)) visit(Number(c));
      }
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return total;
}

/**
 * Whether a process is a student process: node running the grader's child.cjs (bwrap's own
 * processes name the script among their arguments too, but do not run it).
 */
function isStudentProcess(p: number): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return argv.length > 1 && path.basename(argv[0]) !== 'bwrap' && argv[argv.length - 1].endsWith('child.cjs');
  } catch {
    return false;
  }
}

/**
 * CPU time (user + system, ms) of a process tree so far, per process id (Linux /proc; clock
 * ticks of 1/100 s). Sampled, so that the last value seen of each process adds up at the end;
 * a process's last moments before it ends (under one period) are not seen. `students` collects
 * the ids of the student processes among them.
 */
function treeCpu(pid: number, seen: Map<number, number>, students: Set<number>): void {
  const visit = (p: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (!seen.has(p) && isStudentProcess(p)) students.add(p);
      seen.set(p, (Number(fields[11]) + Number(fields[12])) * 10);
      for (const tid of fs.readdirSync(`/proc/${p}/task`)) {
        for (const c of fs.readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').split(/\s+/).filter(Boolean)) visit(Number(c));
      }
    } catch {
      /* gone */
    }
  };
  visit(pid);
}

interface Measured {
  /** CPU seconds of the whole process tree (sampled every 100 ms: steadier than wall time on a shared machine). */
  cpuSeconds: number;
  /** The part of cpuSeconds that the student processes used: their start, loading the lab, and the student's code. */
  studentCpuSeconds: number;
  seconds: number;
  /** The 1-minute load average when the run started and when it ended (other work on the machine). */
  load: [number, number];
  peakBytes: number;
  exitCode: number | undefined;
  stderr: string;
}

/** Runs a command, sampling its process tree's memory. */
async function measure(command: string, args: string[], env: Record<string, string> = {}): Promise<Measured> {
  const { execa } = await import('execa');
  const started = process.hrtime.bigint();
  const loadBefore = os.loadavg()[0];
  const child = execa(command, args, { cwd: ROOT, env: { ...env, CI: 'true', NO_COLOR: '1' }, reject: false, stdin: 'ignore' });
  let peak = 0;
  const cpu = new Map<number, number>();
  const students = new Set<number>();
  const sampler = setInterval(() => {
    if (!child.pid) return;
    peak = Math.max(peak, treeRss(child.pid));
    treeCpu(child.pid, cpu, students);
  }, 100);
  const result = await child;
  clearInterval(sampler);
  const sum = (pids: Iterable<number>) => [...pids].reduce((a, p) => a + (cpu.get(p) ?? 0), 0) / 1000;
  return {
    cpuSeconds: sum(cpu.keys()),
    studentCpuSeconds: sum(students),
    seconds: Number(process.hrtime.bigint() - started) / 1e9, load: [loadBefore, os.loadavg()[0]], peakBytes: peak, exitCode: result.exitCode, stderr: String(result.stderr ?? '') };
}

/** The slowest submission and the median time, from each submission's seconds. */
function perSubmission(seconds: Map<string, number>): { slowest: { id: string; seconds: number }; median: number } | undefined {
  const sorted = [...seconds].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid][1] : (sorted[mid - 1][1] + sorted[mid][1]) / 2;
  const [id, slowest] = sorted[sorted.length - 1];
  return { slowest: { id, seconds: slowest }, median };
}

/** Each student's grading time in a batch output folder (record.json's duration_ms), in seconds. */
function batchSeconds(out: string): Map<string, number> {
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'batch.json'), 'utf8')) as { folders: Record<string, string> };
  const seconds = new Map<string, number>();
  for (const [student, folder] of Object.entries(manifest.folders)) {
    const record = path.join(out, 'students', folder, 'record.json');
    if (fs.existsSync(record)) seconds.set(student, (JSON.parse(fs.readFileSync(record, 'utf8')) as { duration_ms: number }).duration_ms / 1000);
  }
  return seconds;
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const perMinute = (n: number, seconds: number) => (60 * n) / seconds;
const fmt = (x: number) => x.toFixed(x >= 10 ? 0 : 1);
function duration(seconds: number): string {
  return seconds < 90 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/**
 * The most any batch could do with the student processes it ran: their CPU time alone (each
 * one's start, the lab's load, the student's code) spread over every core with nothing else
 * running, as submissions a minute and as a multiple of the baseline's rate.
 */
function bound(m: Measured, n: number, baselineRate: number, what: string): string[] {
  if (m.studentCpuSeconds <= 0) return [];
  const cores = os.availableParallelism();
  const most = perMinute(n, m.studentCpuSeconds / cores);
  return [
    `  bound, ${what}: its student processes alone used ${(m.studentCpuSeconds / n).toFixed(1)} s of CPU per submission; on ${cores} cores`,
    `    that allows at most ${fmt(most)} subs/min (${(most / baselineRate).toFixed(1)}x the baseline), however little the grader itself cost`,
  ];
}

// ----- the run ----------------------------------------------------------------------------------

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '200' },
      jobs: { type: 'string', default: String(os.availableParallelism()) },
      sample: { type: 'string', default: '20' },
      labs: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'batch-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'npm run bench -- [--count K (200)] [--jobs N (cores)] [--sample S (20)] [--labs a,b (all)] [--keep] [--batch-only]',
        '  --batch-only  time batch alone (no baseline, no ratio): for iterating on batch speed',
        '',
      ].join('\n'),
    );
    return 0;
  }
  const count = Number(values.count);
  const jobs = Number(values.jobs);
  const sampleSize = Math.min(Number(values.sample), count);
  if (!(count >= 1 && jobs >= 1 && sampleSize >= 1)) throw new Error('--count, --jobs and --sample must be positive integers');
  const names = selectLabs(ROOT, values.labs?.split(',').map((s) => s.trim()).filter(Boolean));
  const labs = names.map((n) => loadLab(ROOT, n));
  const sandbox = resolveSandbox('auto');
  const log = (text: string) => process.stderr.write(`${text}\n`);

  log(`preparing the expected values of ${names.join(', ')} (cached; not timed)...`);
  for (const lab of labs) await expectedFor(ROOT, lab);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gradecheck-bench-'));
  const all = path.join(work, 'submissions');
  const sample = path.join(work, 'sample');
  const kinds = new Map<string, number>();
  const kindOf = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const id = `student-${String(i + 1).padStart(String(count).length, '0')}`;
    const what = writeSubmission(path.join(all, id), i, labs);
    kinds.set(what, (kinds.get(what) ?? 0) + 1);
    kindOf.set(id, what);
    if (i < sampleSize) fs.cpSync(path.join(all, id), path.join(sample, id), { recursive: true });
  }
  log(`made ${count} submissions in ${all}: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}`);

  const labsArg = ['--labs', names.join(',')];
  log(`batch: grading ${count} submissions with --jobs ${jobs}...`);
  const batchAll = await measure(process.execPath, [CLI, 'batch', all, '--out', path.join(work, 'out-all'), '--jobs', String(jobs), ...labsArg]);
  if (batchAll.exitCode !== 0) throw new Error(`batch failed (exit ${batchAll.exitCode}): ${batchAll.stderr.slice(-2000)}`);
  log(`batch: grading the ${sampleSize} sampled submissions...`);
  const batchSample = await measure(process.execPath, [CLI, 'batch', sample, '--out', path.join(work, 'out-sample'), '--jobs', String(jobs), ...labsArg]);
  const timingRow = (label: string, seconds: Map<string, number>) => {
    const t = perSubmission(seconds);
    const slowest = t ? `${t.slowest.id} (${kindOf.get(t.slowest.id)}) ${t.slowest.seconds.toFixed(1)} s` : '-';
    return `  ${label.padEnd(66)} ${slowest.padStart(30)} ${(t ? `${t.median.toFixed(2)} s` : '-').padStart(9)}`;
  };
  const loadText = (m: Measured) => `${m.load[0].toFixed(1)}–${m.load[1].toFixed(1)}`;
  const row = (label: string, m: { seconds: number; cpuSeconds: number; studentCpuSeconds: number; peakBytes: number; load?: [number, number] }, rate: number, n: number) =>
    `  ${label.padEnd(66)} ${duration(m.seconds).padStart(14)} ${fmt(rate).padStart(9)} ${mb(m.peakBytes).padStart(9)} ${(m.load ? loadText(m as Measured) : '').padStart(10)} ${`${(m.cpuSeconds / n).toFixed(1)} s`.padStart(12)} ${`${(m.studentCpuSeconds / n).toFixed(1)} s`.padStart(12)}`;
  const header = [
    '',
    `gradecheck bench: ${count} synthetic submissions, labs ${names.join(', ')}; ${os.availableParallelism()} cores, sandbox ${sandbox}`,
    `  mix: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}`,
    '',
    `  ${''.padEnd(66)} ${'time'.padStart(14)} ${'subs/min'.padStart(9)} ${'peak RSS'.padStart(9)} ${'load avg'.padStart(10)} ${'CPU per sub'.padStart(12)} ${'of students'.padStart(12)}`,
    row(`batch --jobs ${jobs}, all ${count}`, batchAll, perMinute(count, batchAll.seconds), count),
    row(`batch --jobs ${jobs}, the ${sampleSize} sampled`, batchSample, perMinute(sampleSize, batchSample.seconds), sampleSize),
  ];
  const batchTimings = [
    `  per submission ${''.padEnd(51)} ${'slowest'.padStart(30)} ${'median'.padStart(9)}`,
    timingRow(`batch --jobs ${jobs}, all ${count}`, batchSeconds(path.join(work, 'out-all'))),
    timingRow(`batch --jobs ${jobs}, the ${sampleSize} sampled`, batchSeconds(path.join(work, 'out-sample'))),
  ];
  if (values['batch-only']) {
    process.stdout.write([...header, '', ...batchTimings, ''].join('\n'));
    if (values.keep) log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
    return 0;
  }

  // The baseline: one Jest process per lab per submission, one after another (as a Classroom
  // workflow's steps do). One untimed run first, so that ts-jest's compile cache is warm.
  const jestArgs = (lab: string) => ['jest', '-c', 'jest.graders.config.js', `graders/${lab}.test.ts`];
  log('baseline: warming the Jest cache (not timed)...');
  // Each Jest run writes its results into a folder of its own (as in CI), here inside `work`.
  const jestEnv = (id: string, lab: string) => ({ GRADECHECK_SUBMISSION: path.join(sample, id), GRADECHECK_SANDBOX: sandbox, GRADECHECK_RESULTS_DIR: path.join(work, 'jest', `${id}-${lab}`) });
  await measure('npx', jestArgs(names[0]), { ...jestEnv(fs.readdirSync(sample)[0], names[0]), GRADECHECK_RESULTS_DIR: path.join(work, 'jest', 'warm-up') });
  let baselineSeconds = 0;
  let baselinePeak = 0;
  let baselineCpu = 0;
  let baselineStudentCpu = 0;
  const baselineLoad = [os.loadavg()[0], 0];
  const baselinePerSubmission = new Map<string, number>();
  const sampled = fs.readdirSync(sample).sort();
  for (const [i, id] of sampled.entries()) {
    for (const lab of names) {
      const m = await measure('npx', jestArgs(lab), jestEnv(id, lab));
      baselineSeconds += m.seconds;
      baselinePeak = Math.max(baselinePeak, m.peakBytes);
      baselineCpu += m.cpuSeconds;
      baselineStudentCpu += m.studentCpuSeconds;
      baselinePerSubmission.set(id, (baselinePerSubmission.get(id) ?? 0) + m.seconds);
    }
    log(`baseline: ${i + 1}/${sampled.length} submissions, ${duration(baselineSeconds)}`);
  }

  baselineLoad[1] = os.loadavg()[0];
  const batchRate = perMinute(count, batchAll.seconds);
  const batchSampleRate = perMinute(sampleSize, batchSample.seconds);
  const baselineRate = perMinute(sampleSize, baselineSeconds);
  const ratio = batchRate / baselineRate;
  const sameRatio = batchSampleRate / baselineRate;
  const lines = [
    ...header,
    row(`baseline (npx jest per lab, one after another), the ${sampleSize} sampled`, { seconds: baselineSeconds, cpuSeconds: baselineCpu, studentCpuSeconds: baselineStudentCpu, peakBytes: baselinePeak, load: [baselineLoad[0], baselineLoad[1]] }, baselineRate, sampleSize),
    '',
    `  ratio, batch on all ${count} / baseline: ${ratio.toFixed(1)}x;  on the same ${sampleSize} submissions: ${sameRatio.toFixed(1)}x`,
    ...bound(batchAll, count, baselineRate, `batch on all ${count}`),
    ...bound(batchSample, sampleSize, baselineRate, `batch on the ${sampleSize} sampled`),
    '',
    ...batchTimings,
    timingRow(`baseline, the ${sampleSize} sampled`, baselinePerSubmission),
    '',
    `  The baseline grades a sample, the first ${sampleSize} submissions (the mix of kinds repeats every ${MIX.length}`,
    '  submissions; the hostile kinds take turns), and is reported as per-submission throughput.',
    '  Peak RSS is the resident memory of the whole process tree, student processes included',
    '  (a memory bomb is stopped at its heap cap + 256 MB). Per submission: for batch, the time a',
    "  worker spent grading it (its record.json); for the baseline, its Jest runs' times added up.",
    '  Load avg: the 1-minute load average at the start and end of each run (other work on the',
    '  machine stretches wall time); CPU per sub: the whole tree\'s user + system time per submission,',
    '  and of it the student processes\' (sampled every 100 ms, so slightly less than they used).',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (values.keep) log(`kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exitCode = 1;
  },
);
