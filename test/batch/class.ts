/**
 * A class of submissions for the batch tests: fixture students (fixtures/submissions/) copied
 * into a temporary folder, and .zip students made here (an LMS export), good and bad.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { strToU8, zipSync } from 'fflate';
import { parseCsv } from '../../graders/emit/csv';
import { loadLab } from '../../graders/engine/core/labs';
import { CommandIO, CommandSpec, parse } from '../../scripts/command';
import { ROOT } from '../support/paths';

export const FIXTURES = path.join(ROOT, 'fixtures', 'submissions');

const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gradecheck-${prefix}-`));
  made.push(dir);
  return dir;
}

/** Removes the folders tempDir made (afterAll). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

const reference = () => fs.readFileSync(path.join(ROOT, 'reference', 'activations', 'activations.ts'), 'utf8');

/** Unix mode bits as zip external attributes. */
const SYMLINK_ATTRS = (0o120777 << 16) >>> 0;

/** The zip students: their files, and what the gradebook must say about them. */
export const ZIP_STUDENTS: Record<string, () => Uint8Array> = {
  // GitHub's "Download ZIP": everything inside one top-level folder, graders edited too.
  judy: () =>
    zipSync({
      'judy-main/labs/activations/activations.ts': strToU8(reference()),
      'judy-main/README.md': strToU8('# my labs\n'),
      'judy-main/rubrics/activations.yaml': strToU8('lab: activations\nitems: []\n'),
    }),
  // A zip slip: an entry that would be written two folders up.
  kim: () => zipSync({ 'labs/activations/activations.ts': strToU8(reference()), '../../evil.ts': strToU8('pwned') }),
  // Not a zip at all.
  leo: () => strToU8('this is not a zip archive, just text with a .zip name\n'),
  // A symbolic link pointing at the harness's reference.
  nina: () => zipSync({ 'labs/activations/activations.ts': [strToU8('../../../reference/activations/activations.ts'), { os: 3, attrs: SYMLINK_ATTRS }] }),
};

/** Copies the named fixture students and writes the named zip students into a new folder. */
export function makeClass(prefix: string, folders: string[], zips: string[] = []): string {
  const dir = tempDir(prefix);
  for (const s of folders) fs.cpSync(path.join(FIXTURES, s), path.join(dir, s), { recursive: true });
  for (const s of zips) fs.writeFileSync(path.join(dir, `${s}.zip`), ZIP_STUDENTS[s]());
  return dir;
}

/** Points of the activations lab: the maximum, and each item's. */
export function activationsPoints(): { max: number; pts: (id: string) => number } {
  const lab = loadLab(ROOT, 'activations');
  const byId = new Map(lab.rubric.items.map((it) => [it.id, it.points]));
  return {
    max: lab.rubric.items.reduce((s, it) => s + it.points, 0),
    pts: (id) => {
      const p = byId.get(id);
      if (p === undefined) throw new Error(`no item ${id} in rubrics/activations.yaml`);
      return p;
    },
  };
}

/** grades.csv as {student: {column: cell}}. */
export function readGrades(dir: string): Record<string, Record<string, string>> {
  const [header, ...rows] = parseCsv(fs.readFileSync(path.join(dir, 'grades.csv'), 'utf8'));
  return Object.fromEntries(rows.map((r) => [r[0], Object.fromEntries(header.map((h, i) => [h, r[i]]))]));
}

/** A CommandIO that records what a command prints (not a terminal; no batch key in the environment). */
export function captureIO(): CommandIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const env = { ...process.env };
  delete env.GRADECHECK_BATCH_KEY;
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), stdoutTTY: false, stderrTTY: false, env, cwd: ROOT, root: ROOT };
}

/** Runs a command as the CLI does (scripts/gradecheck.ts), with its output captured. */
export function run(command: CommandSpec, argv: string[], io: CommandIO): Promise<number> {
  return command.run(parse(command, argv), io);
}
