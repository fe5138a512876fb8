/**
 * Intake: the submissions of a class, and the student-editable files (`labs/**`) of each.
 *
 * A submissions folder holds one folder per student (a clone of the student's repository,
 * as GitHub Classroom and Classroom 50 lay them out) and/or one `.zip` per student (an LMS
 * or Gradescope export); the student id is the folder's or file's name (names.ts). Only
 * `labs/**` is taken from a submission (its .ts, .js and .json files), and only as text in
 * memory: graders, rubrics, reference, fixtures and package files always come from the
 * harness. Entries are opened by their names' bytes, never by a decoded name, since a name
 * need not be UTF-8. Anything wrong with one submission (its name, not a zip, a zip slip, a
 * symbolic link or a FIFO, too large, unreadable, no labs/ folder) is that student's problem,
 * reported as data, never an exception of the batch.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { NameOddity, lookalikeDifference, lookalikeKey, showable, studentId } from './names';
import { studentFolder } from './store';
import { ZipProblem, inflateEntry, zipEntries } from './zip';

export type SubmissionKind = 'folder' | 'zip';

export interface Submission {
  /** The folder's or the zip's name (without .zip), escaped where it is not showable (names.ts). */
  student: string;
  /** The folder or zip: its path as bytes (its name may not be UTF-8), or as text. */
  path: Buffer | string;
  kind: SubmissionKind;
  /** A problem found when listing that stops it from being graded (two submissions with one id, unreadable). */
  problem?: IntakeProblem;
  /** Found when listing, but graded all the same: an odd name, a name that looks like another's. */
  notes?: IntakeProblem[];
}

/** What can be wrong with a submission before any of its code runs. */
export const INTAKE_CODES = ['bad_zip', 'unsafe_zip', 'unsafe_files', 'too_large', 'unreadable', 'no_labs', 'duplicate', 'odd_name', 'similar_name'] as const;
export type IntakeCode = (typeof INTAKE_CODES)[number];

/** Intake codes that are notes: the submission is graded, and the status says this too. */
export const NOTE_CODES: readonly IntakeCode[] = ['odd_name', 'similar_name'];

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
  /** Entries of a .zip (a repository zipped with its node_modules has tens of thousands). */
  archiveEntries: 200_000,
  /** Total size of the files taken from labs/. */
  labBytes: 10 * 1024 * 1024,
  /** Number of files taken from labs/. */
  labFiles: 2000,
  /** Entries of any kind (folders included) looked at in a folder's labs/. */
  labEntries: 20_000,
  /** Folders inside labs/, one in another. */
  labDepth: 32,
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

// ----- names as bytes -------------------------------------------------------------------------

const DOT = 0x2e;
const SEP = Buffer.from(path.sep);
const ZIP_SUFFIX = Buffer.from('.zip');

function bytesOf(p: Buffer | string | Uint8Array): Buffer {
  return typeof p === 'string' ? Buffer.from(p) : Buffer.isBuffer(p) ? p : Buffer.from(p);
}

function join(dir: Buffer, name: Buffer | string): Buffer {
  return Buffer.concat([dir, SEP, bytesOf(name)]);
}

/** The last component of a path, as bytes. */
function baseName(p: Buffer): Buffer {
  const at = Math.max(p.lastIndexOf(0x2f), path.sep === '\\' ? p.lastIndexOf(0x5c) : -1);
  return p.subarray(at + 1);
}

/** `name.zip`, any case. */
function isZipName(name: Buffer): boolean {
  return name.length > ZIP_SUFFIX.length && name.subarray(name.length - 4).toString('latin1').toLowerCase() === '.zip';
}

/** A name as it may be shown (escaped like an id). */
function shown(name: Buffer): string {
  return studentId(name).id;
}

/** Only names that are UTF-8 can be imported by a module, so only those are taken from labs/. */
function utf8Name(name: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(name);
  } catch {
    return undefined;
  }
}

/** An error of the file system, in words, as the student's problem. */
function unreadable(what: string, e: unknown): IntakeError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'it disappeared while being read',
    ENAMETOOLONG: 'its path is too long',
    ELOOP: 'too many symbolic links',
    EIO: 'an input/output error',
    ENOTDIR: 'a part of its path is not a folder',
  };
  return new IntakeError('unreadable', `${what} cannot be read (${(code && why[code]) ?? code ?? (e as Error)?.message ?? String(e)})`);
}

// ----- listing ---------------------------------------------------------------------------------

function oddNameNote(kind: SubmissionKind, id: string, oddities: NameOddity[]): IntakeProblem {
  return { code: 'odd_name', message: `the ${kind === 'zip' ? "zip's" : "folder's"} name ${oddities.join(' and ')}; it is shown escaped as ${id}` };
}

/** The submissions in a folder, sorted by student id; other entries are listed (escaped) as ignored. */
export function listSubmissions(dir: string): { submissions: Submission[]; ignored: string[] } {
  const root = Buffer.from(path.resolve(dir));
  const found: Submission[] = [];
  const ignored: string[] = [];
  for (const name of fs.readdirSync(root, { encoding: 'buffer' }).sort(Buffer.compare)) {
    if (name[0] === DOT) continue;
    const full = join(root, name);
    let stat: fs.Stats | undefined;
    let problem: IntakeProblem | undefined;
    try {
      stat = fs.lstatSync(full);
    } catch (e) {
      const err = unreadable(shown(name), e);
      problem = { code: err.code, message: err.message };
    }
    const kind: SubmissionKind | undefined = stat ? (stat.isDirectory() ? 'folder' : stat.isFile() && isZipName(name) ? 'zip' : undefined) : isZipName(name) ? 'zip' : 'folder';
    if (!kind) {
      ignored.push(shown(name));
      continue;
    }
    const { id, oddities } = studentId(kind === 'zip' ? name.subarray(0, name.length - ZIP_SUFFIX.length) : name);
    found.push({ student: id, path: full, kind, ...(problem ? { problem } : {}), ...(oddities.length ? { notes: [oddNameNote(kind, id, oddities)] } : {}) });
  }
  // Two submissions with one output folder (alice/ and alice.zip: one id) are one student's
  // problem, reported on one row: neither is guessed at, and neither overwrites the other.
  const byFolder = new Map<string, Submission[]>();
  for (const s of found.sort(byId)) byFolder.set(studentFolder(s.student), [...(byFolder.get(studentFolder(s.student)) ?? []), s]);
  const unique = [...byFolder.values()].map((subs): Submission => {
    if (subs.length === 1) return subs[0];
    const names = subs.map((s) => shown(baseName(bytesOf(s.path)))).join(' and ');
    const message = subs.every((s) => s.student === subs[0].student) ? `${subs.length === 2 ? 'two' : subs.length} submissions are named ${subs[0].student}: ${names}; keep one` : `${names} would share one output folder; rename one`;
    return { ...subs[0], problem: { code: 'duplicate', message } };
  });
  // Names a person reads as one (Alice and alice; José composed and decomposed) are graded
  // each on its own, and both rows say so: which is whose is for a person to decide.
  const lookalikes = new Map<string, Submission[]>();
  for (const s of unique) lookalikes.set(lookalikeKey(s.student), [...(lookalikes.get(lookalikeKey(s.student)) ?? []), s]);
  const submissions = unique.map((s): Submission => {
    const others = lookalikes.get(lookalikeKey(s.student))!.filter((o) => o !== s);
    if (others.length === 0) return s;
    const message = `its name differs from ${others.map((o) => `${o.student}'s`).join(' and ')} only in ${lookalikeDifference(s.student, others[0].student)}; each is graded on its own: check which is whose`;
    return { ...s, notes: [...(s.notes ?? []), { code: 'similar_name', message }] };
  });
  return { submissions: submissions.sort(byId), ignored };
}

function byId(a: Submission, b: Submission): number {
  return a.student < b.student ? -1 : a.student > b.student ? 1 : 0;
}

function digestOf(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const rel of Object.keys(files).sort()) h.update(rel).update('\0').update(files[rel]).update('\0');
  return h.digest('hex');
}

/**
 * What a student's record is graded from: the submission as taken and what listing noted
 * about it, so that --resume grades again a student whose name now looks like a newcomer's.
 */
export function gradedDigest(taken: SubmissionFiles, sub: Submission): string {
  if (!sub.notes?.length) return taken.digest;
  return createHash('sha256').update(taken.digest).update('\0').update(JSON.stringify(sub.notes)).digest('hex');
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

function lstatOrUndefined(p: Buffer, rel: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(rel, e);
  }
}

/** A folder's labs/: its own, or that of its one subfolder that has one (a repository inside a folder). */
function labsFolder(dir: Buffer): { abs: Buffer; stat: fs.Stats } {
  const own = join(dir, 'labs');
  const stat = lstatOrUndefined(own, 'labs');
  if (stat) return { abs: own, stat };
  let names: Buffer[];
  try {
    names = fs.readdirSync(dir, { encoding: 'buffer' });
  } catch (e) {
    throw unreadable('the submission folder', e);
  }
  const nested: Array<{ rel: string; abs: Buffer; stat: fs.Stats }> = [];
  for (const name of names.sort(Buffer.compare)) {
    if (name[0] === DOT) continue;
    const sub = join(dir, name);
    const rel = `${shown(name)}/labs`;
    if (!lstatOrUndefined(sub, shown(name))?.isDirectory()) continue;
    const labs = lstatOrUndefined(join(sub, 'labs'), rel);
    if (labs) nested.push({ rel, abs: join(sub, 'labs'), stat: labs });
  }
  if (nested.length === 1) return nested[0];
  throw new IntakeError('no_labs', nested.length ? `several folders hold a labs/ folder (${nested.map((n) => n.rel).join(', ')})` : 'the submission has no labs/ folder');
}

/** What a file that is not a plain file or folder is, for the message. */
function kindOf(stat: fs.Stats): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device file';
  return 'not a plain file';
}

/**
 * Opens without following a symbolic link and without blocking on a FIFO (where the system
 * has those flags), then checks what was opened: a file swapped for a link or a pipe after
 * it was listed is refused too.
 */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

function readPlainFile(abs: Buffer, rel: string, onSize: (size: number) => void): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(abs, OPEN_FLAGS);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new IntakeError('unsafe_files', `${rel} is a symbolic link (only plain files are graded)`);
    throw unreadable(rel, e);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new IntakeError('unsafe_files', `${rel} is ${kindOf(stat)} (only plain files are graded)`);
    onSize(stat.size);
    // No more than the size checked, even if the file grows while it is read.
    const data = Buffer.alloc(stat.size);
    let got = 0;
    for (let n = -1; got < data.length && n !== 0; got += n) n = fs.readSync(fd, data, got, data.length - got, got);
    return data.subarray(0, got);
  } catch (e) {
    throw e instanceof IntakeError ? e : unreadable(rel, e);
  } finally {
    fs.closeSync(fd);
  }
}

function readFolder(dir: Buffer): Record<string, string> {
  const labs = labsFolder(dir);
  const take = taker();
  let entries = 0;
  // `rel` is the file's name as imported; `said`, the same made safe to quote in a message.
  const walk = (abs: Buffer, rel: string, stat: fs.Stats, depth: number) => {
    const said = showable(rel);
    if (++entries > LIMITS.labEntries) throw new IntakeError('too_large', `more than ${LIMITS.labEntries} files and folders in labs/`);
    if (stat.isSymbolicLink()) throw new IntakeError('unsafe_files', `${said} is a symbolic link (only plain files are graded)`);
    if (stat.isDirectory()) {
      if (depth > LIMITS.labDepth) throw new IntakeError('too_large', `labs/ is nested more than ${LIMITS.labDepth} folders deep (at ${said})`);
      let names: Buffer[];
      try {
        names = fs.readdirSync(abs, { encoding: 'buffer' });
      } catch (e) {
        throw unreadable(said, e);
      }
      for (const name of names.sort(Buffer.compare)) {
        const text = utf8Name(name);
        if (text === undefined || text.startsWith('.') || text === 'node_modules') continue;
        const child = join(abs, name);
        const childStat = lstatOrUndefined(child, showable(`${rel}/${text}`));
        if (childStat) walk(child, `${rel}/${text}`, childStat, depth + 1);
      }
    } else if (TAKEN.test(rel)) {
      if (!stat.isFile()) throw new IntakeError('unsafe_files', `${said} is ${kindOf(stat)} (only plain files are graded)`);
      take.add(rel, readPlainFile(abs, said, (size) => take.check(said, size)).toString('utf8'));
    }
  };
  if (!labs.stat.isDirectory() && !labs.stat.isSymbolicLink()) throw new IntakeError('no_labs', `labs is ${labs.stat.isFile() ? 'a file' : kindOf(labs.stat)}, not a folder`);
  walk(labs.abs, 'labs', labs.stat, 0);
  return take.files;
}

/** The folder inside the archive that holds labs/: the top, or one top-level folder (GitHub's "Download ZIP"). */
function labsPrefix(names: string[]): string {
  if (names.some((n) => n.startsWith('labs/'))) return '';
  const tops = [...new Set(names.filter((n) => /^[^/]+\/labs\//.test(n) && !n.startsWith('__MACOSX/')).map((n) => n.slice(0, n.indexOf('/') + 1)))];
  if (tops.length === 1) return tops[0];
  throw new IntakeError('no_labs', tops.length ? `several folders in the archive hold a labs/ folder (${tops.map(showable).join(', ')})` : 'the archive has no labs/ folder');
}

function readZip(shownName: string, data: Uint8Array): Record<string, string> {
  let entries;
  try {
    entries = zipEntries(data, { maxEntries: LIMITS.archiveEntries });
  } catch (e) {
    if (e instanceof ZipProblem) throw new IntakeError(e.code, `${shownName}: ${e.message}`);
    throw e;
  }
  const prefix = labsPrefix(entries.filter((e) => !e.directory).map((e) => e.name));
  const take = taker();
  for (const entry of entries) {
    if (entry.directory || !entry.name.startsWith(`${prefix}labs/`) || !TAKEN.test(entry.name)) continue;
    const rel = entry.name.slice(prefix.length);
    if (rel.split('/').some((part) => part.startsWith('.') || part === 'node_modules' || part === '')) continue;
    take.check(showable(rel), entry.size);
    try {
      take.add(rel, Buffer.from(inflateEntry(data, entry)).toString('utf8'));
    } catch (e) {
      if (e instanceof ZipProblem) throw new IntakeError(e.code, `${shownName}: ${e.message}`);
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
    const at = bytesOf(sub.path);
    if (sub.kind === 'zip') {
      const name = shown(baseName(at));
      const tooLarge = (size: number) => {
        if (size > LIMITS.archiveBytes) throw new IntakeError('too_large', `${name} is larger than ${LIMITS.archiveBytes / 1024 / 1024} MB`);
      };
      const data = readPlainFile(at, name, tooLarge);
      digest = createHash('sha256').update(data).digest('hex');
      return { files: readZip(name, data), digest };
    }
    const stat = lstatOrUndefined(at, 'the submission folder');
    if (!stat) throw new IntakeError('unreadable', 'the submission folder disappeared before it was read');
    if (!stat.isDirectory()) throw new IntakeError('unsafe_files', `the submission is ${kindOf(stat)}, not a folder`);
    const files = readFolder(at);
    return { files, digest: digestOf(files) };
  } catch (e) {
    // Whatever one submission does to the file system is its own problem, never the batch's.
    const err = e instanceof IntakeError ? e : (e as NodeJS.ErrnoException)?.code ? unreadable('the submission', e) : e instanceof RangeError ? new IntakeError('too_large', `the submission is too large or too deep to read (${e.message})`) : undefined;
    if (!err) throw e;
    const problem = { code: err.code, message: err.message };
    return { files: {}, digest: digest || createHash('sha256').update(`${problem.code}\0${problem.message}`).digest('hex'), problem };
  }
}
