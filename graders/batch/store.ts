/**
 * The batch's output folder:
 *
 *   DIR/batch.json                         what was graded: labs, configuration, shard, students and their folders
 *   DIR/students/<folder>/results.json     the results (schema gradecheck/results v2)
 *   DIR/students/<folder>/feedback.md      what the student sees (and figures/)
 *   DIR/students/<folder>/gradescope/results.json
 *   DIR/students/<folder>/record.json      the gradebook's line for the student, signed
 *   DIR/course.json                        what the course policy was applied with (graders/policy/apply.ts), signed
 *   DIR/grades.csv, summary.md, histogram.svg
 *
 * A student's folder is `<slug>-<hash>` (studentFolder): one per id by construction, on any
 * file system, whatever the id holds.
 *
 * A student's folder is written whole into a temporary folder and renamed into place, so it
 * is either all there or not at all: an interrupted batch leaves only finished students.
 * Each record carries an HMAC-SHA256 over its content and the hash of results.json, keyed by
 * a secret that only the batch's parent process holds (GRADECHECK_BATCH_KEY, else
 * DIR/.batch-key, made on the first run): never in a worker's or a student process's
 * environment, never readable by student code. Resume and merge trust only records that verify.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { toGradescope } from '../emit/gradescope';
import { InputError } from '../engine/core/errors';
import { feedbackFiles } from '../emit/score-table';
import { Results, ResultsSchema, readResults } from '../engine/core/results';

export const RECORD_FORMAT = 'gradecheck/batch-record';
export const RECORD_VERSION = 1;
export const MANIFEST_FORMAT = 'gradecheck/batch';
/** 2: student folders are `<slug>-<hash>` for every id (version 1 used the bare id when it looked safe). */
export const MANIFEST_VERSION = 2;
export const KEY_ENV = 'GRADECHECK_BATCH_KEY';
const KEY_FILE = '.batch-key';

/** The gradebook's line for one student, as stored (and signed) in record.json. */
export interface StudentRecord {
  format: typeof RECORD_FORMAT;
  version: number;
  student: string;
  /** Hash of the submission as taken. */
  digest: string;
  /** Fingerprint of what it was graded with (labs and their expected values, time budgets...). */
  config: string;
  /** Each lab's part of it (labFingerprints): `--resume` grades again only the labs whose part changed. */
  lab_configs?: Record<string, string>;
  /** `graded`, or what went wrong (see status.ts). */
  status: string;
  message: string;
  labs: Record<string, { score: number; max_score: number; status: string }>;
  score: number;
  max_score: number;
  duration_ms: number;
  graded_at: string;
  results_sha256: string;
  mac: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  /** The labs, in gradebook column order. */
  labs: string[];
  config: string;
  /** `i/n`, when this folder holds one shard. */
  shard: string | null;
  /** The students this folder is for (its shard of the submissions). */
  students: string[];
  /** Each student's folder under students/ (what studentFolder gives: for people and scripts). */
  folders: Record<string, string>;
}

export interface Store {
  dir: string;
  key: Buffer;
}

/** JSON with object keys sorted, so that a signature does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

function macOf(key: Buffer, record: object): string {
  return createHmac('sha256', key).update(canonicalJson({ ...record, mac: undefined })).digest('hex');
}

/** Writes a JSON file of the output folder signed like a record (course.json): the value and its HMAC under the store's key. */
export function writeSignedJson(file: string, key: Buffer, value: object): void {
  writeAtomic(file, JSON.stringify({ ...value, mac: macOf(key, value) }, null, 2) + '\n');
}

/** A file writeSignedJson wrote, if it is there (undefined when absent) and verifies under `key`. */
export function readSignedJson<T extends object>(file: string, key: Buffer | undefined): { ok: true; value: T } | { ok: false; message: string } | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as T & { mac?: unknown };
    if (!key) return { ok: false, message: `${file} cannot be verified: no key (GRADECHECK_BATCH_KEY, or the folder's .batch-key)` };
    const expected = Buffer.from(macOf(key, json), 'hex');
    const given = Buffer.from(String(json.mac), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, message: `${file} does not verify (bad signature): it was changed, or signed with another key` };
    const { mac: _mac, ...value } = json;
    return { ok: true, value: value as unknown as T };
  } catch (e) {
    return { ok: false, message: `${file} is not valid JSON (${(e as Error).message.split('\n')[0]})` };
  }
}

/** The key of an output folder: GRADECHECK_BATCH_KEY, else DIR/.batch-key (made when `create`). */
export function storeKey(dir: string, env: NodeJS.ProcessEnv, create: boolean): Buffer | undefined {
  if (env[KEY_ENV]) return Buffer.from(env[KEY_ENV]!, 'utf8');
  const file = path.join(dir, KEY_FILE);
  if (fs.existsSync(file)) return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  if (!create) return undefined;
  const key = randomBytes(32);
  fs.mkdirSync(dir, { recursive: true });
  writeAtomic(file, key.toString('hex') + '\n', 0o600);
  return key;
}

/** Refuses to write into a folder that holds something else than a batch's output (`--out .`). */
function checkOutputFolder(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.statSync(dir).isDirectory()) throw new InputError('bad_submission', `${dir} is a file, not an output folder`);
  const entries = fs.readdirSync(dir);
  if (entries.length > 0 && !entries.some((e) => e === 'batch.json' || e === 'students' || e === KEY_FILE)) throw new InputError('bad_submission', `${dir} already holds other files: choose a new or empty output folder`);
}

/** Opens (or makes) an output folder, its key, and clears what an interrupted run left half-written. */
export function openStore(dir: string, env: NodeJS.ProcessEnv): Store {
  checkOutputFolder(dir);
  readManifest(dir); // refuses the output of another version, whose folders would be left beside these
  fs.mkdirSync(path.join(dir, 'students'), { recursive: true });
  // Leftovers of an interrupted run: never renamed into place, so never finished.
  for (const name of fs.readdirSync(path.join(dir, 'students'))) {
    if (name.startsWith('.tmp-') || name.startsWith('.old-')) fs.rmSync(path.join(dir, 'students', name), { recursive: true, force: true });
  }
  return { dir, key: storeKey(dir, env, true)! };
}

export function writeAtomic(file: string, text: string, mode?: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
  fs.renameSync(tmp, file);
}

/**
 * A student's folder under students/: a readable slug of the id (ASCII letters and digits,
 * `_` for the rest, at most 40) and the first 64 bits of the SHA-256 of the id, always.
 * Ids are an injective escaping of the submissions' names (names.ts), so the hash is one of
 * the name's exact bytes; two students share a folder only if their hashes collide, and
 * intake refuses that as a duplicate before anything is written. The name is the same on
 * every file system: lower-case hex keeps Alice and alice apart where case is folded, ASCII
 * is not renormalised (macOS), no dot means no Windows device name (`CON.x`) and no hidden
 * or `..` folder, and it fits any name length limit (at most 57 characters).
 */
export function studentFolder(student: string): string {
  const slug =
    student
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .slice(0, 40)
      .replace(/^_+|_+$/g, '') || 'student';
  return `${slug}-${sha256(student).slice(0, 16)}`;
}

export function studentDir(store: { dir: string }, student: string): string {
  return path.join(store.dir, 'students', studentFolder(student));
}

/** Signs a record with the store's key. */
export function signRecord(key: Buffer, record: Omit<StudentRecord, 'mac'>): StudentRecord {
  return { ...record, mac: macOf(key, record) } as StudentRecord;
}

/** Writes a student's folder (results, feedback, Gradescope results, record) in one rename. */
export function writeStudent(store: Store, record: Omit<StudentRecord, 'mac' | 'results_sha256'>, results: Results, now = new Date()): StudentRecord {
  const resultsText = JSON.stringify(ResultsSchema.parse(results), null, 2) + '\n';
  const signed = signRecord(store.key, { ...record, results_sha256: sha256(resultsText) });
  const files: Record<string, string> = {
    'results.json': resultsText,
    ...feedbackFiles(results, { view: 'student', now }),
    'gradescope/results.json': JSON.stringify(toGradescope(results, { executionTimeSeconds: record.duration_ms / 1000 }), null, 2) + '\n',
    'record.json': JSON.stringify(signed, null, 2) + '\n',
  };
  const final = studentDir(store, record.student);
  const students = path.dirname(final);
  const tmp = path.join(students, `.tmp-${path.basename(final)}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(tmp, name)), { recursive: true });
    fs.writeFileSync(path.join(tmp, name), text);
  }
  moveInto(tmp, final);
  return signed;
}

/** Renames a finished folder into place, replacing an older one. */
export function moveInto(tmp: string, final: string): void {
  if (fs.existsSync(final)) {
    const old = path.join(path.dirname(final), `.old-${path.basename(final)}-${process.pid}`);
    fs.renameSync(final, old);
    fs.renameSync(tmp, final);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(tmp, final);
  }
}

export type ReadRecord = { ok: true; record: StudentRecord; results: Results } | { ok: false; reason: 'missing' | 'unverified'; message: string };

/** A student's record and results, if they are there and verify under `key`. */
export function readStudent(dir: string, student: string, key: Buffer | undefined): ReadRecord {
  const folder = studentDir({ dir }, student);
  const recordFile = path.join(folder, 'record.json');
  if (!fs.existsSync(recordFile)) return { ok: false, reason: 'missing', message: 'not graded yet' };
  const unverified = (why: string): ReadRecord => ({ ok: false, reason: 'unverified', message: `its results do not verify (${why}); grade it again` });
  try {
    const record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as StudentRecord;
    if (record.format !== RECORD_FORMAT || record.version !== RECORD_VERSION || record.student !== student) return unverified('not a record of this student');
    if (!key) return unverified('no key to check it with');
    const expected = Buffer.from(macOf(key, record), 'hex');
    const given = Buffer.from(String(record.mac), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return unverified('bad signature');
    const resultsText = fs.readFileSync(path.join(folder, 'results.json'), 'utf8');
    if (sha256(resultsText) !== record.results_sha256) return unverified('results.json was changed');
    return { ok: true, record, results: readResults(JSON.parse(resultsText)) };
  } catch (e) {
    return unverified((e as Error).message.split('\n')[0]);
  }
}

export function writeManifest(dir: string, manifest: Omit<Manifest, 'format' | 'version' | 'folders'>): void {
  const folders = Object.fromEntries(manifest.students.map((s) => [s, studentFolder(s)]));
  writeAtomic(path.join(dir, 'batch.json'), JSON.stringify({ format: MANIFEST_FORMAT, version: MANIFEST_VERSION, ...manifest, folders }, null, 2) + '\n');
}

/** The manifest of an output folder; undefined when it has none; refused when another version of gradecheck wrote it. */
export function readManifest(dir: string): Manifest | undefined {
  const file = path.join(dir, 'batch.json');
  if (!fs.existsSync(file)) return undefined;
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (e) {
    throw new InputError('bad_submission', `${file} is not valid JSON (${(e as Error).message}): is ${dir} the output folder of gradecheck batch?`);
  }
  if (m?.format !== MANIFEST_FORMAT) return undefined;
  if (m.version !== MANIFEST_VERSION) {
    const older = typeof m.version === 'number' && m.version < MANIFEST_VERSION;
    throw new InputError(
      'bad_submission',
      older
        ? `${dir} was written by an older gradecheck (batch output version ${m.version}, whose student folders are named otherwise): grade into a new folder, or delete this one and grade again`
        : `${dir} was written by a newer gradecheck (batch output version ${m.version}; this one reads version ${MANIFEST_VERSION}): use that version`,
    );
  }
  return m;
}
