/**
 * Past one run: `--shard i/n` + `merge` give the same gradebook as one batch, and `--resume`
 * after an interruption grades only what was missing (and again what changed or does not
 * verify). A quick class (no student that needs a time budget to run out) keeps this fast.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BatchEvent, runBatch } from '../../graders/batch/batch';
import { shardOf } from '../../graders/batch/shard';
import { studentDir, studentFolder } from '../../graders/batch/store';
import { merge } from '../../scripts/commands/merge';
import { ROOT } from '../support/paths';
import { captureIO, makeClass, readGrades, removeTempDirs, run, tempDir } from './class';

const FOLDERS = ['alice', 'bob', 'carol', 'dave', 'grace', 'heidi', 'ivan', 'peggy'];
const ZIPS = ['judy', 'leo'];
const STUDENTS = [...FOLDERS, ...ZIPS].sort();
const env = { ...process.env, GRADECHECK_BATCH_KEY: '' };

let submissions: string;
let whole: string;

const batchOf = (out: string, more: Partial<Parameters<typeof runBatch>[0]> = {}) =>
  runBatch({ root: ROOT, submissions, out, labs: ['activations'], jobs: 2, env, ...more });

const gradebook = (dir: string) => fs.readFileSync(path.join(dir, 'grades.csv'), 'utf8');

beforeAll(async () => {
  submissions = makeClass('quick', FOLDERS, ZIPS);
  whole = path.join(tempDir('whole'), 'out');
  await batchOf(whole);
}, 120000);

afterAll(removeTempDirs);

describe('shards and merge', () => {
  let shards: string[];

  beforeAll(async () => {
    const parent = tempDir('shards');
    shards = [1, 2, 3].map((i) => path.join(parent, `shard-${i}`));
    for (const [i, dir] of shards.entries()) await batchOf(dir, { shard: { index: i + 1, count: 3 } });
  }, 120000);

  test('each shard grades its third of the class, and the three cover it exactly once', () => {
    const graded = shards.map((dir) => Object.keys(readGrades(dir)));
    expect(graded.flat().sort()).toEqual(STUDENTS);
    graded.forEach((students, i) => expect(students.every((s) => shardOf(s, 3) === i + 1)).toBe(true));
  });

  test('merge of the 3 shards equals the unsharded gradebook', async () => {
    const out = path.join(tempDir('merged'), 'out');
    const io = captureIO();
    expect(await run(merge, [shards.join(','), '--out', out], io)).toBe(0);
    expect(gradebook(out)).toBe(gradebook(whole));
    expect(Object.keys(readGrades(out))).toEqual(STUDENTS);
    for (const s of STUDENTS) expect(fs.existsSync(path.join(studentDir({ dir: out }, s), 'feedback.md'))).toBe(true);
  });

  test('merge also takes the folder that holds the shards (downloaded CI artifacts)', async () => {
    const out = path.join(tempDir('merged'), 'out');
    expect(await run(merge, [path.dirname(shards[0]), '--out', out], captureIO())).toBe(0);
    expect(gradebook(out)).toBe(gradebook(whole));
  });

  test('a shard whose results were edited is flagged, not merged; a missing shard is reported', async () => {
    const copy = path.join(tempDir('tampered'), 'shard-2');
    fs.cpSync(shards[1], copy, { recursive: true });
    const victim = Object.keys(readGrades(copy))[0];
    const resultsFile = path.join(studentDir({ dir: copy }, victim), 'results.json');
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    fs.writeFileSync(resultsFile, JSON.stringify({ ...results, score: results.max_score }));
    const out = path.join(tempDir('merged'), 'out');
    const io = captureIO();
    expect(await run(merge, [[shards[0], copy].join(','), '--out', out], io)).toBe(1);
    const rows = readGrades(out);
    expect(rows[victim]).toMatchObject({ status: 'unverified', total: '' });
    expect(io.stderr.join('\n')).toMatch(/missing shard 3\/3/);
  });
});

describe('--resume', () => {
  test('after an interrupted run, grades only what was missing', async () => {
    const out = path.join(tempDir('resume'), 'out');
    const controller = new AbortController();
    const first: string[] = [];
    const interrupted = await batchOf(out, {
      jobs: 1,
      signal: controller.signal,
      onEvent: (e: BatchEvent) => {
        if (e.type !== 'graded') return;
        first.push(e.student);
        if (first.length === 3) controller.abort();
      },
    });
    expect(interrupted.interrupted).toBe(true);
    expect(interrupted.graded).toEqual(first);
    const partial = readGrades(out);
    for (const s of STUDENTS) expect(partial[s].status === 'not_graded').toBe(!first.includes(s));
    expect(fs.readdirSync(path.join(out, 'students')).sort()).toEqual(first.map(studentFolder).sort()); // nothing half-written

    const started: string[] = [];
    const resumed = await batchOf(out, { resume: true, onEvent: (e) => e.type === 'started' && started.push(e.student) });
    expect(resumed.interrupted).toBe(false);
    expect(resumed.skipped.sort()).toEqual([...first].sort());
    expect(started.sort()).toEqual(STUDENTS.filter((s) => !first.includes(s)));
    expect(gradebook(out)).toBe(gradebook(whole));
  }, 120000);

  test('grades again a submission that changed and a student whose results do not verify', async () => {
    const out = path.join(tempDir('resume'), 'out');
    const mine = makeClass('changing', ['alice', 'bob', 'carol']);
    await runBatch({ root: ROOT, submissions: mine, out, labs: ['activations'], jobs: 2, env });
    fs.copyFileSync(path.join(ROOT, 'reference', 'activations', 'activations.ts'), path.join(mine, 'bob', 'labs', 'activations', 'activations.ts'));
    const record = path.join(studentDir({ dir: out }, 'carol'), 'record.json');
    fs.writeFileSync(record, fs.readFileSync(record, 'utf8').replace('"score": 0', '"score": 31'));
    const started: string[] = [];
    const resumed = await runBatch({ root: ROOT, submissions: mine, out, labs: ['activations'], jobs: 2, env, resume: true, onEvent: (e) => e.type === 'started' && started.push(e.student) });
    expect(started.sort()).toEqual(['bob', 'carol']);
    expect(resumed.skipped).toEqual(['alice']);
    const rows = readGrades(out);
    expect(rows.bob.total).toBe(rows.alice.total);
    expect(rows.carol.total).toBe('0');
  }, 120000);

  test('Ctrl-C stops the batch and its workers, keeps what finished, and exits 130', async () => {
    const slow = makeClass('slow', ['alice', 'erin', 'carol']);
    const out = path.join(tempDir('sigint'), 'out');
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'gradecheck.cjs'), 'batch', slow, '--out', out, '--labs', 'activations', '--jobs', '1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // alice is graded first; then erin loops at load time for 10 s: interrupt during that.
    while (!fs.existsSync(path.join(studentDir({ dir: out }, 'alice'), 'record.json'))) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    const sent = Date.now();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(stderr).toMatch(/--resume/);
    expect(readGrades(out).alice.status).toBe('graded');
    expect(readGrades(out).erin.status).toBe('not_graded');
    await new Promise((r) => setTimeout(r, 300));
    const label = `gradecheck-batch:${out}`;
    const leftovers = fs.readdirSync('/proc').filter((pid) => {
      try {
        return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(label);
      } catch {
        return false;
      }
    });
    expect(leftovers).toEqual([]);
  }, 60000);
});

describe('--force', () => {
  test('replaces an earlier batch whole: nothing of a student no longer in the class is left, in the gradebook, the folders or the report', async () => {
    const out = path.join(tempDir('force'), 'out');
    const two = makeClass('force-two', ['alice', 'bob']);
    await runBatch({ root: ROOT, submissions: two, out, labs: ['activations'], jobs: 2, env });
    const bobFolder = studentFolder('bob');
    expect(fs.existsSync(path.join(out, 'students', bobFolder))).toBe(true);
    expect(fs.existsSync(path.join(out, 'report', 'code', `${bobFolder}.json`))).toBe(true);

    const one = makeClass('force-one', ['alice']);
    const r = await runBatch({ root: ROOT, submissions: one, out, labs: ['activations'], jobs: 2, env, force: true });
    expect(r.report.ok).toBe(true);
    expect(Object.keys(readGrades(out))).toEqual(['alice']);
    expect(fs.readdirSync(path.join(out, 'students'))).toEqual([studentFolder('alice')]);
    expect(fs.readdirSync(path.join(out, 'report', 'code'))).toEqual([`${studentFolder('alice')}.json`]);
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).not.toContain('bob');
  }, 120000);
});
