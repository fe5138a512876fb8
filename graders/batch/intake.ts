/**
 * Intake: the submissions of a class, and the student-editable files (`labs/**`) of each.
 *
 * A submissions folder holds one folder per student (a clone of the student's repository,
 * as GitHub Classroom and Classroom 50 lay them out) and/or one `.zip` per student (an LMS
 * or Gradescope export); the student id is the folder's or file's name. Only `labs/**` is
 * taken from a submission (its .ts, .js and .json files), and only as text in memory:
 * graders, rubrics, reference, fixtures and package files always come from the harness.
 * Anything wrong with one submission (not a zip, a zip slip, a symbolic link, too large, no
 * labs/ folder) is that student's problem, reported as data, never an exception of the batch.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ZipProblem, inflateEntry, zipEntries } from './zip';

export type SubmissionKind = 'folder' | 'zip';

export interface Submission {
  /** The folder's or the zip's name (without .zip). */
  student: string;
  /** Absolute path of the folder or zip. */
  path: string;
  kind: SubmissionKind;
  /** A problem found when listing (two submissions with one id). */
  problem?: IntakeProblem;
}

/** What can be wrong with a submission before any of its code runs. */
export const INTAKE_CODES = ['bad_zip', 'unsafe_zip', 'unsafe_files', 'too_large', 'no_labs', 'duplicate'] as const;
export type IntakeCode = (typeof INTAKE_CODES)[number];

export interface IntakeProblem {
  code: IntakeCode;
  message: string;
}

export interface SubmissionFiles {
  /** Repository-relative path (`labs/rnn/lstm.ts`) to text. */
  files: Record<string, string>;
  /** A hash of what was taken (or of the archive), to notice a changed submission. */
  digest: string;
  problem?: IntakeProblem;
}

/** Limits on what is taken from one submission. */
export const LIMITS = {
  /** Size of a .zip, in bytes. */
  archiveBytes: 100 * 1024 * 1024,
  /** Total size of the files taken from labs/. */
  labBytes: 10 * 1024 * 1024,
  /** Number of files taken from labs/. */
  labFiles: 2000,
};

/** The files of labs/** the grader may read (buildModules resolves .ts, .js and .json). */
const TAKEN = /\.(ts|js|json)$/;

export class IntakeError extends Error {
  constructor(
    readonly code: IntakeCode,
    message: string,
  ) {
    super(message);
    this.name = 'IntakeError';
  }
}

/** The submissions in a folder, sorted by student id; other files are listed as ignored. */
export function listSubmissions(dir: string): { submissions: Submission[]; ignored: string[] } {
  const submissions: Submission[] = [];
  const ignored: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const full = path.join(dir, name);
    const stat = fs.lstatSync(full);
    if (stat.isDirectory()) submissions.push({ student: name, path: full, kind: 'folder' });
    else if (stat.isFile() && /\.zip$/i.test(name)) submissions.push({ student: name.replace(/\.zip$/i, ''), path: full, kind: 'zip' });
    else ignored.push(name);
  }
  // Two submissions with one id (alice/ and alice.zip): neither is guessed at.
  const byStudent = new Map<string, Submission[]>();
  for (const s of submissions) byStudent.set(s.student, [...(byStudent.get(s.student) ?? []), s]);
  const unique = [...byStudent.values()].map((subs) =>
    subs.length === 1 ? subs[0] : { ...subs[0], problem: { code: 'duplicate' as const, message: `two submissions are named ${subs[0].student}: ${subs.map((s) => path.basename(s.path)).join(' and ')}; keep one` } },
  );
  return { submissions: unique.sort(byId), ignored };
}

function byId(a: Submission, b: Submission): number {
  return a.student < b.student ? -1 : a.student > b.student ? 1 : 0;
}

function digestOf(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const rel of Object.keys(files).sort()) h.update(rel).update('\0').update(files[rel]).update('\0');
  return h.digest('hex');
}

/** Adds a file to what is taken, within the limits. */
function taker() {
  const files: Record<string, string> = {};
  let count = 0;
  let bytes = 0;
  return {
    files,
    check(rel: string, size: number) {
      if (++count > LIMITS.labFiles) throw new IntakeError('too_large', `more than ${LIMITS.labFiles} files in labs/`);
      bytes += size;
      if (bytes > LIMITS.labBytes) throw new IntakeError('too_large', `the files in labs/ are larger than ${LIMITS.labBytes / 1024 / 1024} MB (at ${rel})`);
    },
    add(rel: string, text: string) {
      files[rel] = text;
    },
  };
}

/** A folder's labs/: its own, or that of its one subfolder that has one (a repository inside a folder). */
function labsFolder(dir: string): string {
  const own = path.join(dir, 'labs');
  if (fs.existsSync(own) || isSymlink(own)) return own;
  const nested = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => path.join(dir, d.name, 'labs'))
    .filter((p) => fs.existsSync(p) || isSymlink(p));
  if (nested.length === 1) return nested[0];
  throw new IntakeError('no_labs', nested.length ? `several folders hold a labs/ folder (${nested.map((p) => path.relative(dir, p)).join(', ')})` : 'the submission has no labs/ folder');
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function readFolder(dir: string): Record<string, string> {
  const labs = labsFolder(dir);
  const take = taker();
  const walk = (abs: string, rel: string) => {
    const stat = fs.lstatSync(abs);
    if (stat.isSymbolicLink()) throw new IntakeError('unsafe_files', `${rel} is a symbolic link (only plain files are graded)`);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) if (!name.startsWith('.') && name !== 'node_modules') walk(path.join(abs, name), `${rel}/${name}`);
    } else if (stat.isFile() && TAKEN.test(rel)) {
      take.check(rel, stat.size);
      take.add(rel, fs.readFileSync(abs, 'utf8'));
    }
  };
  walk(labs, 'labs');
  return take.files;
}

/** The folder inside the archive that holds labs/: the top, or one top-level folder (GitHub's "Download ZIP"). */
function labsPrefix(names: string[]): string {
  if (names.some((n) => n.startsWith('labs/'))) return '';
  const tops = [...new Set(names.filter((n) => /^[^/]+\/labs\//.test(n) && !n.startsWith('__MACOSX/')).map((n) => n.slice(0, n.indexOf('/') + 1)))];
  if (tops.length === 1) return tops[0];
  throw new IntakeError('no_labs', tops.length ? `several folders in the archive hold a labs/ folder (${tops.join(', ')})` : 'the archive has no labs/ folder');
}

function readZip(file: string, data: Uint8Array): Record<string, string> {
  let entries;
  try {
    entries = zipEntries(data);
  } catch (e) {
    if (e instanceof ZipProblem) throw new IntakeError(e.code, `${path.basename(file)}: ${e.message}`);
    throw e;
  }
  const prefix = labsPrefix(entries.filter((e) => !e.directory).map((e) => e.name));
  const take = taker();
  for (const entry of entries) {
    if (entry.directory || !entry.name.startsWith(`${prefix}labs/`) || !TAKEN.test(entry.name)) continue;
    const rel = entry.name.slice(prefix.length);
    if (rel.split('/').some((part) => part.startsWith('.') || part === 'node_modules' || part === '')) continue;
    take.check(rel, entry.size);
    try {
      take.add(rel, Buffer.from(inflateEntry(data, entry)).toString('utf8'));
    } catch (e) {
      if (e instanceof ZipProblem) throw new IntakeError(e.code, `${path.basename(file)}: ${e.message}`);
      throw e;
    }
  }
  return take.files;
}

/** The student-editable files of a submission, or the problem that stops it from being graded. */
export function readSubmission(sub: Submission): SubmissionFiles {
  let digest = '';
  try {
    if (sub.problem) throw new IntakeError(sub.problem.code, sub.problem.message);
    if (sub.kind === 'zip') {
      const size = fs.statSync(sub.path).size;
      if (size > LIMITS.archiveBytes) throw new IntakeError('too_large', `${path.basename(sub.path)} is larger than ${LIMITS.archiveBytes / 1024 / 1024} MB`);
      const data = fs.readFileSync(sub.path);
      digest = createHash('sha256').update(data).digest('hex');
      return { files: readZip(sub.path, data), digest };
    }
    const files = readFolder(sub.path);
    return { files, digest: digestOf(files) };
  } catch (e) {
    if (!(e instanceof IntakeError)) throw e;
    const problem = { code: e.code, message: e.message };
    return { files: {}, digest: digest || createHash('sha256').update(`${problem.code}\0${problem.message}`).digest('hex'), problem };
  }
}
