/**
 * Intake and the small pieces of the batch: which files are taken from a submission (folder
 * or zip), what makes a submission the student's problem, sharding, the CSV gradebook, the
 * histogram and the status column.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { strToU8, zipSync } from 'fflate';
import { runBatch } from '../../graders/batch/batch';
import { csvCell, gradebookCsv, parseCsv } from '../../graders/emit/csv';
import { parseTimeout, withTimeout } from '../../graders/batch/grade-student';
import { listSubmissions, readSubmission, Submission, LIMITS } from '../../graders/batch/intake';
import { inShard, parseShard, shardOf } from '../../graders/batch/shard';
import { studentStatus } from '../../graders/batch/status';
import { canonicalJson, readStudent, signRecord, studentDir } from '../../graders/batch/store';
import { histogramBins, histogramSvg } from '../../graders/batch/summary';
import { loadLab } from '../../graders/engine/core/labs';
import type { Results } from '../../graders/engine/core/results';
import { ROOT } from '../support/paths';
import { ZIP_STUDENTS, removeTempDirs, tempDir } from './class';

afterAll(removeTempDirs);

const zipOf = (student: string, files: Parameters<typeof zipSync>[0]): Submission => {
  const dir = tempDir('zip');
  const file = path.join(dir, `${student}.zip`);
  fs.writeFileSync(file, zipSync(files));
  return { student, path: file, kind: 'zip' };
};

describe('intake of a folder', () => {
  test('takes the .ts, .js and .json files of labs/ and nothing else', () => {
    const dir = tempDir('folder');
    fs.mkdirSync(path.join(dir, 'labs', 'activations'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'graders'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'labs', 'activations', 'activations.ts'), 'export const a = 1;\n');
    fs.writeFileSync(path.join(dir, 'labs', 'activations', 'notes.md'), 'my notes');
    fs.writeFileSync(path.join(dir, 'graders', 'activations.test.ts'), 'test("x", () => {});');
    fs.writeFileSync(path.join(dir, 'package.json'), '{}');
    const taken = readSubmission({ student: 's', path: dir, kind: 'folder' });
    expect(taken.problem).toBeUndefined();
    expect(Object.keys(taken.files)).toEqual(['labs/activations/activations.ts']);
  });

  test('finds labs/ inside a single nested folder (a repository inside the student folder)', () => {
    const dir = tempDir('nested');
    fs.mkdirSync(path.join(dir, 'repo-main', 'labs', 'activations'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'repo-main', 'labs', 'activations', 'activations.ts'), 'x');
    expect(Object.keys(readSubmission({ student: 's', path: dir, kind: 'folder' }).files)).toEqual(['labs/activations/activations.ts']);
  });

  test('a symbolic link in labs/ is the student\'s problem (it could point at the reference)', () => {
    const dir = tempDir('symlink');
    fs.mkdirSync(path.join(dir, 'labs', 'activations'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'reference', 'activations', 'activations.ts'), path.join(dir, 'labs', 'activations', 'activations.ts'));
    expect(readSubmission({ student: 's', path: dir, kind: 'folder' }).problem).toMatchObject({ code: 'unsafe_files' });
  });

  test('a folder without labs/ is reported as no_labs', () => {
    expect(readSubmission({ student: 's', path: tempDir('empty'), kind: 'folder' }).problem).toMatchObject({ code: 'no_labs' });
  });

  test('the digest changes when the submission does', () => {
    const dir = tempDir('digest');
    const file = path.join(dir, 'labs', 'activations', 'activations.ts');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'export const a = 1;\n');
    const sub: Submission = { student: 's', path: dir, kind: 'folder' };
    const before = readSubmission(sub).digest;
    expect(readSubmission(sub).digest).toBe(before);
    fs.writeFileSync(file, 'export const a = 2;\n');
    expect(readSubmission(sub).digest).not.toBe(before);
  });
});

describe('intake of a zip', () => {
  const written = (student: string) => {
    const dir = tempDir('zips');
    const file = path.join(dir, `${student}.zip`);
    fs.writeFileSync(file, ZIP_STUDENTS[student]());
    return readSubmission({ student, path: file, kind: 'zip' });
  };

  test("takes labs/ from inside GitHub's top-level folder, and nothing beside it", () => {
    const taken = written('judy');
    expect(taken.problem).toBeUndefined();
    expect(Object.keys(taken.files)).toEqual(['labs/activations/activations.ts']);
    expect(taken.files['labs/activations/activations.ts']).toContain('export function sigmoidForward');
  });

  test('refuses a zip slip, a symbolic link and a file that is not a zip, as the student\'s problem', () => {
    expect(written('kim').problem).toMatchObject({ code: 'unsafe_zip', message: expect.stringContaining('../../evil.ts') });
    expect(written('nina').problem).toMatchObject({ code: 'unsafe_zip', message: expect.stringContaining('symbolic link') });
    expect(written('leo').problem).toMatchObject({ code: 'bad_zip' });
  });

  test('refuses absolute paths and Windows drive paths', () => {
    expect(readSubmission(zipOf('abs', { '/etc/cron.d/x': strToU8('x'), 'labs/a.ts': strToU8('') })).problem).toMatchObject({ code: 'unsafe_zip' });
    expect(readSubmission(zipOf('win', { 'C:/x.ts': strToU8('x'), 'labs/a.ts': strToU8('') })).problem).toMatchObject({ code: 'unsafe_zip' });
  });

  test('refuses labs/ larger than the limit before inflating it (a zip bomb)', () => {
    const bomb = new Uint8Array(LIMITS.labBytes + 1).fill(32); // compresses to a few kB
    const sub = zipOf('bomb', { 'labs/activations/activations.ts': bomb });
    expect(fs.statSync(sub.path).size).toBeLessThan(100 * 1024);
    expect(readSubmission(sub).problem).toMatchObject({ code: 'too_large' });
  });

  test('an archive without labs/ is reported as no_labs', () => {
    expect(readSubmission(zipOf('nolabs', { 'README.md': strToU8('hi') })).problem).toMatchObject({ code: 'no_labs' });
  });
});

describe('listing submissions', () => {
  test('folders and zips, by name; hidden entries skipped, other files ignored, two with one id refused', () => {
    const dir = tempDir('list');
    for (const d of ['bob', 'alice', '.git']) fs.mkdirSync(path.join(dir, d));
    fs.writeFileSync(path.join(dir, 'carol.ZIP'), 'x');
    fs.writeFileSync(path.join(dir, 'bob.zip'), 'x');
    fs.writeFileSync(path.join(dir, 'roster.csv'), 'x');
    const listed = listSubmissions(dir);
    expect(listed.submissions.map((s) => [s.student, s.kind])).toEqual([
      ['alice', 'folder'],
      ['bob', 'folder'],
      ['carol', 'zip'],
    ]);
    expect(listed.submissions[1].problem).toMatchObject({ code: 'duplicate' });
    expect(listed.ignored).toEqual(['roster.csv']);
  });
});

test('--timeout replaces or scales every item budget', () => {
  const lab = loadLab(ROOT, 'activations');
  expect(parseTimeout('3')).toEqual({ seconds: 3 });
  expect(parseTimeout('2x')).toEqual({ factor: 2 });
  expect(parseTimeout('0')).toBeUndefined();
  expect(parseTimeout('soon')).toBeUndefined();
  expect(withTimeout(lab, { seconds: 0.5 }).rubric.items.every((it) => it.timeout === 0.5)).toBe(true);
  expect(withTimeout(lab, { factor: 2 }).rubric.items.map((it) => it.timeout)).toEqual(lab.rubric.items.map((it) => 2 * it.timeout));
  expect(lab.rubric.items.every((it) => it.timeout !== 0.5)).toBe(true); // the cached lab is untouched
});

describe('sharding', () => {
  const students = Array.from({ length: 300 }, (_, i) => `student${i}`);

  test('every student is in exactly one of n shards, the same one every time', () => {
    for (const n of [1, 3, 7]) {
      for (const s of students) expect(Array.from({ length: n }, (_, i) => inShard(s, { index: i + 1, count: n })).filter(Boolean)).toHaveLength(1);
    }
    expect(students.map((s) => shardOf(s, 3))).toEqual(students.map((s) => shardOf(s, 3)));
  });

  test('spreads students roughly evenly', () => {
    const sizes = [1, 2, 3].map((i) => students.filter((s) => shardOf(s, 3) === i).length);
    for (const size of sizes) expect(size).toBeGreaterThan(70);
  });

  test('parses i/n', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b']) expect(parseShard(bad)).toBeUndefined();
  });
});

describe('the CSV gradebook', () => {
  test('quotes what needs quoting and defuses spreadsheet formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell(null)).toBe('');
  });

  test('round-trips through the parser', () => {
    const rows = [
      { student: 'a,b', labs: { x: 1.5, y: null }, score: 1.5, max_score: 4, status: 'timed_out+crashed', message: 'line one\nline "two"' },
      { student: 'c', labs: { x: 0, y: 2 }, score: 2, max_score: 4, status: 'graded', message: '' },
    ];
    expect(parseCsv(gradebookCsv(['x', 'y'], rows))).toEqual([
      ['student', 'x', 'y', 'total', 'max', 'status', 'message'],
      ['a,b', '1.5', '', '1.5', '4', 'timed_out+crashed', 'line one\nline "two"'],
      ['c', '0', '2', '2', '4', 'graded', ''],
    ]);
  });
});

test('the histogram bins total scores by tenths, 100% in the last bin', () => {
  expect(histogramBins([0, 0.05, 0.1, 0.55, 0.999, 1])).toEqual([2, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
  const svg = histogramSvg([0.2, 1, 1]);
  expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svg).toContain('3 students');
});

test('the status column names what went wrong, worst first, and nothing for wrong answers', () => {
  const item = (id: string, status: string, message = `${id} ${status}`) => ({ id, title: id, score: 0, max_score: 1, status, message, visibility: 'visible', duration_ms: 0, cases: [] });
  const results = (items: ReturnType<typeof item>[]) => ({ labs: [{ lab: 'l', title: 'L', score: 0, max_score: 3, status: 'graded', message: '', notes: [], items }] }) as unknown as Results;
  expect(studentStatus(results([item('a', 'wrong_value'), item('b', 'not_implemented')]), [])).toEqual({ status: 'graded', message: '' });
  expect(studentStatus(results([item('a', 'crashed'), item('b', 'timed_out'), item('c', 'timed_out')]), [])).toEqual({ status: 'timed_out+crashed', message: 'l b: b timed_out; l a: a crashed' });
  expect(studentStatus(results([]), [{ code: 'bad_zip', message: 'not a zip' }])).toEqual({ status: 'bad_zip', message: 'not a zip' });
});

test('a signed record verifies, and any change to it or to its results does not', () => {
  const dir = tempDir('sign');
  const key = Buffer.from('k'.repeat(32));
  const folder = studentDir({ dir }, 'ann');
  fs.mkdirSync(folder, { recursive: true });
  const resultsText = JSON.stringify({ format: 'gradecheck/results', version: 1, submission: 'ann', score: 1, max_score: 2, sandbox: 'none', labs: [] });
  const record = signRecord(key, {
    format: 'gradecheck/batch-record', version: 1, student: 'ann', digest: 'd', config: 'c', status: 'graded', message: '',
    labs: {}, score: 1, max_score: 2, duration_ms: 5, graded_at: 'now', results_sha256: createHash('sha256').update(resultsText).digest('hex'),
  });
  fs.writeFileSync(path.join(folder, 'results.json'), resultsText);
  fs.writeFileSync(path.join(folder, 'record.json'), JSON.stringify(record));
  expect(readStudent(dir, 'ann', key)).toMatchObject({ ok: true });
  expect(readStudent(dir, 'ann', Buffer.from('another key'))).toMatchObject({ ok: false, reason: 'unverified' });
  fs.writeFileSync(path.join(folder, 'record.json'), JSON.stringify({ ...record, score: 2 }));
  expect(readStudent(dir, 'ann', key)).toMatchObject({ ok: false, reason: 'unverified' });
  fs.writeFileSync(path.join(folder, 'record.json'), JSON.stringify(record));
  fs.writeFileSync(path.join(folder, 'results.json'), resultsText.replace('"score":1', '"score":2'));
  expect(readStudent(dir, 'ann', key)).toMatchObject({ ok: false, reason: 'unverified', message: expect.stringContaining('results.json') });
  expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
});

describe('the output folder', () => {
  test('is refused inside the submissions folder, or when it already holds other files', async () => {
    const subs = tempDir('subs');
    await expect(runBatch({ root: ROOT, submissions: subs, out: path.join(subs, 'out'), labs: ['activations'] })).rejects.toThrow(/inside the submissions folder/);
    const busy = tempDir('busy');
    fs.writeFileSync(path.join(busy, 'thesis.tex'), '...');
    await expect(runBatch({ root: ROOT, submissions: subs, out: busy, labs: ['activations'] })).rejects.toThrow(/already holds other files/);
  });
});
