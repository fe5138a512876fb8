/**
 * Batch intake that no folder name can break: a class whose names are not UTF-8, hold a
 * newline and an ESC, differ only in case or in Unicode normalisation, or copy another
 * student's output folder name, graded by the real batch. Every student gets a row and their
 * own verified results; odd names are noted, never fatal. Then what one submission's files
 * can do to intake (FIFOs, unreadable files, deep folders, huge or odd zips): its own problem.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { strToU8, zipSync } from 'fflate';
import { runBatch } from '../../graders/batch/batch';
import { LIMITS, Submission, listSubmissions, readSubmission } from '../../graders/batch/intake';
import { mergeShards } from '../../graders/batch/merge';
import { studentId } from '../../graders/batch/names';
import { readManifest, readStudent, storeKey, studentFolder } from '../../graders/batch/store';
import { bwrapAvailable } from '../../graders/engine/host/sandbox';
import { batch } from '../../scripts/commands/batch';
import { ROOT } from '../support/paths';
import { activationsPoints, captureIO, readGrades, removeTempDirs, run, tempDir } from './class';

afterAll(removeTempDirs);

const { max } = activationsPoints();
const REFERENCE = fs.readFileSync(path.join(ROOT, 'reference', 'activations', 'activations.ts'), 'utf8');
const STUB = fs.readFileSync(path.join(ROOT, 'labs', 'activations', 'activations.ts'), 'utf8');

/** One entry of the class: its name as bytes, its code, and what its gradebook row must say. */
interface Entry {
  name: Buffer;
  code: 'reference' | 'stub';
  zip?: boolean;
  id: string;
  score: number;
  status: string;
  message?: RegExp;
}

const AB_FOLDER = studentFolder('a b');
const entry = (name: string | number[], code: Entry['code'], id: string, status = 'graded', message?: RegExp): Entry => ({
  name: typeof name === 'string' ? Buffer.from(name) : Buffer.from(name),
  code,
  id,
  score: code === 'reference' ? max : 0,
  status,
  message,
});

const CLASS: Entry[] = [
  entry([0x62, 0x61, 0x64, 0xff, 0xfe], 'reference', 'bad\\xFF\\xFE', 'odd_name', /not valid UTF-8.*bad\\xFF\\xFE/),
  entry('new\nline\u001bname', 'reference', 'new\\x0Aline\\x1Bname', 'odd_name', /control/),
  // "a b" and a folder named like its output folder (today's scheme, and the old one that this one overwrote).
  entry('a b', 'reference', 'a b'),
  entry(AB_FOLDER, 'stub', AB_FOLDER),
  entry(`a_b-${createHash('sha256').update('a b').digest('hex').slice(0, 8)}`, 'stub', `a_b-${createHash('sha256').update('a b').digest('hex').slice(0, 8)}`),
  entry('Carol', 'reference', 'Carol', 'similar_name', /carol's only in letter case/),
  entry('carol', 'stub', 'carol', 'similar_name', /Carol's only in letter case/),
  entry('Jos\u00e9', 'reference', 'Jos\u00e9', 'similar_name', /Unicode normalisation: this name is composed \(NFC\)/),
  entry('Jose\u0301', 'stub', 'Jose\u0301', 'similar_name', /Unicode normalisation: this name is decomposed \(NFD/),
  // A folder and a zip with one id: one row, neither graded.
  { ...entry('dup', 'reference', 'dup', 'duplicate', /two submissions are named dup: dup and dup\.zip/), score: 0 },
  { ...entry('dup.zip', 'reference', 'dup'), zip: true },
];
const ROWS = CLASS.filter((e) => !e.zip);
const IDS = ROWS.map((e) => e.id);

const at = (dir: string, name: Buffer) => Buffer.concat([Buffer.from(dir + path.sep), name]);

function makeHostileClass(): string {
  const dir = tempDir('hostile');
  for (const e of CLASS) {
    const code = e.code === 'reference' ? REFERENCE : STUB;
    if (e.zip) {
      fs.writeFileSync(at(dir, e.name), zipSync({ 'labs/activations/activations.ts': strToU8(code) }));
      continue;
    }
    const labs = Buffer.concat([at(dir, e.name), Buffer.from(`${path.sep}labs${path.sep}activations`)]);
    fs.mkdirSync(labs, { recursive: true });
    fs.writeFileSync(Buffer.concat([labs, Buffer.from(`${path.sep}activations.ts`)]), code);
  }
  return dir;
}

const env = () => {
  const e = { ...process.env };
  delete e.GRADECHECK_BATCH_KEY;
  return e;
};

const SANDBOXES = ['permission', 'bwrap'] as const;

describe.each(SANDBOXES)('a class of hostile names, sandbox %s', (sandbox) => {
  const skip = sandbox === 'bwrap' && !bwrapAvailable();
  let submissions: string;
  let out: string;
  let code: number;
  let io: ReturnType<typeof captureIO>;

  beforeAll(async () => {
    if (skip) {
      console.warn('SKIPPED: the hostile-names batch under bwrap (bubblewrap is not usable here); it ran under the permission sandbox only');
      return;
    }
    submissions = makeHostileClass();
    out = path.join(tempDir('hostile-out'), 'gradebook');
    io = captureIO();
    code = await run(batch, [submissions, '--out', out, '--labs', 'activations', '--jobs', '2', '--sandbox', sandbox], io);
  }, 120000);

  const t = skip ? test.skip : test;

  t('the batch completes: exit 0, every student graded', () => {
    expect(io.stderr.join('\n')).not.toMatch(/harness could not grade/);
    expect(code).toBe(0);
    expect(io.stdout.join('\n')).toMatch(new RegExp(`graded ${ROWS.length} submissions`));
  });

  t('every student has a row with the score and status their name and code call for', () => {
    const grades = readGrades(out);
    const got = Object.fromEntries(Object.entries(grades).map(([s, row]) => [s, { score: Number(row.total), status: row.status }]));
    expect(got).toEqual(Object.fromEntries(ROWS.map((e) => [e.id, { score: e.score, status: e.status }])));
    for (const e of ROWS) if (e.message) expect(grades[e.id].message).toMatch(e.message);
    // The gradebook holds no raw control character a terminal or a spreadsheet would act on.
    expect(fs.readFileSync(path.join(out, 'grades.csv'), 'utf8')).not.toMatch(/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/);
  });

  t("each student's own results verify, with their own score, lookalikes and copied folder names included", () => {
    const key = storeKey(out, env(), false);
    for (const e of ROWS) {
      const r = readStudent(out, e.id, key);
      if (!r.ok) throw new Error(`${e.id}: ${r.message}`);
      expect(r.record.student).toBe(e.id);
      expect(r.results.submission).toBe(e.id);
      expect(r.results.score).toBe(e.score);
    }
  });

  t('one output folder per student: distinct even where case is folded, portable names, listed in batch.json', () => {
    const folders = fs.readdirSync(path.join(out, 'students')).sort();
    expect(folders).toEqual(IDS.map(studentFolder).sort());
    expect(new Set(folders.map((f) => f.toLowerCase())).size).toBe(IDS.length);
    for (const f of folders) expect(f).toMatch(/^[A-Za-z0-9_]{1,40}-[0-9a-f]{16}$/);
    expect(readManifest(out)?.folders).toEqual(Object.fromEntries(IDS.map((id) => [id, studentFolder(id)])));
  });

  t('--resume finds every student finished, odd names included', async () => {
    const again = await runBatch({ root: ROOT, submissions, out, labs: ['activations'], sandbox, jobs: 2, env: env(), resume: true });
    expect(again.graded).toEqual([]);
    expect(again.skipped.sort()).toEqual([...IDS].sort());
  });

  // Once is enough: merge does not depend on the sandbox.
  (sandbox === 'permission' ? t : test.skip)('merge reads the new layout back: the same gradebook', () => {
    const merged = path.join(tempDir('hostile-merged'), 'out');
    const report = mergeShards({ shards: [out], out: merged, env: env() });
    expect(report.unverified).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(fs.readFileSync(path.join(merged, 'grades.csv'), 'utf8')).toBe(fs.readFileSync(path.join(out, 'grades.csv'), 'utf8'));
  });
});

describe('student ids and output folders', () => {
  test('an id shows a name escaped only where it must, and two names never share an id', () => {
    expect(studentId(Buffer.from('alice'))).toEqual({ id: 'alice', oddities: [] });
    expect(studentId(Buffer.from('José')).id).toBe('José');
    expect(studentId(Buffer.from([0x62, 0xff])).id).toBe('b\\xFF');
    expect(studentId(Buffer.from('b\\xFF')).id).toBe('b\\\\xFF'); // the literal text is not the byte
    expect(studentId(Buffer.from('a\u202eb')).id).toBe('a\\u{202E}b'); // a bidi override cannot reorder a row
    expect(studentId(Buffer.from([0xc0, 0xaf])).oddities).toEqual(['is not valid UTF-8']); // overlong '/'
    const names = [[0x62, 0xff], [0x62, 0x5c, 0x78, 0x46, 0x46], [0x62, 0x5c, 0x5c, 0x78, 0x46, 0x46], [0x62, 0x1b], [0x62, 0x5c, 0x78, 0x31, 0x42], [0xed, 0xa0, 0x80], [0xe2, 0x80, 0xae]];
    const ids = names.map((n) => studentId(Buffer.from(n)).id);
    expect(new Set(ids).size).toBe(names.length);
  });

  test('a folder name is a slug and a hash of the id, whatever the id holds', () => {
    expect(studentFolder('alice')).toMatch(/^alice-[0-9a-f]{16}$/);
    expect(studentFolder('CON.txt')).toMatch(/^CON_txt-/); // no dot: no Windows device name
    expect(studentFolder('..')).toMatch(/^student-/);
    expect(studentFolder('x'.repeat(300)).length).toBeLessThanOrEqual(57);
    expect(studentFolder('Alice').toLowerCase()).not.toBe(studentFolder('alice').toLowerCase());
  });
});

describe("what one submission's files can do to intake is its own problem", () => {
  const folderWith = (build: (labs: string) => void): Submission => {
    const dir = tempDir('files');
    const labs = path.join(dir, 'labs');
    fs.mkdirSync(path.join(labs, 'activations'), { recursive: true });
    build(labs);
    return { student: 's', path: dir, kind: 'folder' };
  };
  const posix = process.platform !== 'win32';

  (posix ? test : test.skip)('a FIFO in labs/ is refused without blocking, and so is a labs that is one', () => {
    const fifo = folderWith((labs) => expect(spawnSync('mkfifo', [path.join(labs, 'activations', 'activations.ts')]).status).toBe(0));
    expect(readSubmission(fifo).problem).toEqual({ code: 'unsafe_files', message: 'labs/activations/activations.ts is a named pipe (FIFO) (only plain files are graded)' });
    const dir = tempDir('fifo-labs');
    expect(spawnSync('mkfifo', [path.join(dir, 'labs')]).status).toBe(0);
    expect(readSubmission({ student: 's', path: dir, kind: 'folder' }).problem).toMatchObject({ code: 'no_labs', message: expect.stringContaining('named pipe') });
    // A FIFO named like a zip is not a submission at all.
    const list = tempDir('fifo-list');
    expect(spawnSync('mkfifo', [path.join(list, 'eve.zip')]).status).toBe(0);
    expect(listSubmissions(list)).toEqual({ submissions: [], ignored: ['eve.zip'] });
  });

  test('a labs/ that is a symbolic link, or a file, is refused', () => {
    const dir = tempDir('labs-link');
    fs.symlinkSync(path.join(ROOT, 'reference'), path.join(dir, 'labs'));
    expect(readSubmission({ student: 's', path: dir, kind: 'folder' }).problem).toMatchObject({ code: 'unsafe_files', message: expect.stringContaining('labs is a symbolic link') });
    const file = tempDir('labs-file');
    fs.writeFileSync(path.join(file, 'labs'), 'x');
    expect(readSubmission({ student: 's', path: file, kind: 'folder' }).problem).toEqual({ code: 'no_labs', message: 'labs is a file, not a folder' });
  });

  test('folders nested too deep, or too many entries, are refused before all is read', () => {
    const deep = folderWith((labs) => fs.mkdirSync(path.join(labs, ...Array.from({ length: LIMITS.labDepth + 2 }, () => 'd')), { recursive: true }));
    expect(readSubmission(deep).problem).toMatchObject({ code: 'too_large', message: expect.stringContaining('nested more than') });
    const saved = LIMITS.labEntries;
    LIMITS.labEntries = 20;
    try {
      const wide = folderWith((labs) => Array.from({ length: 30 }, (_, i) => fs.mkdirSync(path.join(labs, `d${i}`))));
      expect(readSubmission(wide).problem).toMatchObject({ code: 'too_large', message: 'more than 20 files and folders in labs/' });
    } finally {
      LIMITS.labEntries = saved;
    }
  });

  test('a file with a name that is not UTF-8 in labs/ is skipped (no module can import it), the rest is taken', () => {
    const sub = folderWith((labs) => {
      fs.writeFileSync(path.join(labs, 'activations', 'activations.ts'), 'export const a = 1;\n');
      fs.writeFileSync(Buffer.concat([Buffer.from(path.join(labs, 'activations') + path.sep), Buffer.from([0xff, 0x2e, 0x74, 0x73])]), 'x');
    });
    expect(readSubmission(sub)).toMatchObject({ files: { 'labs/activations/activations.ts': 'export const a = 1;\n' } });
    expect(readSubmission(sub).problem).toBeUndefined();
  });

  (posix ? test : test.skip)('a file or folder that cannot be read is reported as unreadable', () => {
    const file = folderWith((labs) => fs.writeFileSync(path.join(labs, 'activations', 'activations.ts'), 'x', { mode: 0o000 }));
    const dir = folderWith((labs) => fs.chmodSync(path.join(labs, 'activations'), 0o000));
    const problems = readAsAnotherUser([file, dir]);
    if (!problems) return;
    expect(problems[0]).toEqual({ code: 'unreadable', message: 'labs/activations/activations.ts cannot be read (permission denied)' });
    expect(problems[1]).toEqual({ code: 'unreadable', message: 'labs/activations cannot be read (permission denied)' });
  });

  test('a zip with more entries than the limit is refused before any is read', () => {
    const saved = LIMITS.archiveEntries;
    LIMITS.archiveEntries = 10;
    try {
      const dir = tempDir('many');
      const file = path.join(dir, 'many.zip');
      fs.writeFileSync(file, zipSync(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`labs/f${i}.ts`, strToU8('')]))));
      expect(readSubmission({ student: 'many', path: file, kind: 'zip' }).problem).toEqual({ code: 'too_large', message: 'many.zip: the archive has 11 entries (at most 10 are read)' });
    } finally {
      LIMITS.archiveEntries = saved;
    }
  });

  test("a zip entry's name that is not UTF-8 is read, and one with control characters is quoted escaped", () => {
    const dir = tempDir('zipnames');
    const odd = Buffer.from(zipSync({ 'labs/activations/activations.ts': strToU8('export const a = 1;\n'), 'labs/activations/x\u00e9.ts': strToU8('y') }));
    // The name's é (C3 A9, flagged UTF-8) becomes two bytes that are not UTF-8, in both headers.
    let patched = 0;
    for (let i = odd.indexOf(Buffer.from('x\u00e9')); i >= 0; i = odd.indexOf(Buffer.from('x\u00e9'), i + 1), patched++) odd.set([0xff, 0xfe], i + 1);
    expect(patched).toBe(2);
    fs.writeFileSync(path.join(dir, 'odd.zip'), odd);
    const taken = readSubmission({ student: 'odd', path: path.join(dir, 'odd.zip'), kind: 'zip' });
    expect(taken.problem).toBeUndefined();
    expect(taken.files['labs/activations/activations.ts']).toBe('export const a = 1;\n');
    fs.writeFileSync(path.join(dir, 'esc.zip'), zipSync({ 'labs/a.ts': strToU8(''), '../\u001b[31mevil.ts': strToU8('x') }));
    const esc = readSubmission({ student: 'esc', path: path.join(dir, 'esc.zip'), kind: 'zip' }).problem;
    expect(esc).toEqual({ code: 'unsafe_zip', message: 'esc.zip: the archive\'s entry "../\\x1B[31mevil.ts" would be written outside its folder' });
  });
});

describe('outputs of an older gradecheck', () => {
  const older = () => {
    const dir = path.join(tempDir('v1'), 'out');
    fs.mkdirSync(path.join(dir, 'students', 'alice'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'batch.json'), JSON.stringify({ format: 'gradecheck/batch', version: 1, labs: ['activations'], config: 'c', shard: null, students: ['alice'] }));
    return dir;
  };

  test('are refused by batch and by merge with a message that says what to do', async () => {
    const subs = tempDir('v1-subs');
    await expect(runBatch({ root: ROOT, submissions: subs, out: older(), labs: ['activations'], env: env(), resume: true })).rejects.toThrow(/older gradecheck \(batch output version 1.*grade into a new folder/);
    expect(() => mergeShards({ shards: [older()], out: path.join(tempDir('v1-merged'), 'out'), env: env() })).toThrow(/older gradecheck/);
  });
});

/**
 * Reads submissions as an unprivileged user (root reads any file): in a child process with
 * uid 65534 when this runs as root, else here. Undefined (with a warning) where neither works.
 */
function readAsAnotherUser(subs: Submission[]): Array<Submission['problem']> | undefined {
  if (process.getuid?.() !== 0) return subs.map((s) => readSubmission(s).problem);
  for (const s of subs) fs.chmodSync(s.path, 0o755); // mkdtemp makes it 0700
  const script = `const { readSubmission } = require(${JSON.stringify(path.join(ROOT, 'graders', 'batch', 'intake.ts'))}); process.stdout.write(JSON.stringify(${JSON.stringify(subs)}.map((s) => readSubmission(s).problem ?? null)));`;
  const r = spawnSync(process.execPath, ['-r', path.join(ROOT, 'graders', 'engine', 'host', 'register.cjs'), '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' });
  if (r.status !== 0) {
    console.warn(`SKIPPED: reading as uid 65534 failed here (${(r.stderr || r.error?.message || '').trim().split('\n')[0]})`);
    return undefined;
  }
  return JSON.parse(r.stdout);
}
