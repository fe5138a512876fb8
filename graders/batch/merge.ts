/**
 * Merging shard folders (`batch --shard i/n` on n machines) into one gradebook. Every
 * student's record is verified with its shard's key before it is copied; the copies are
 * signed again with the merged folder's key, so the result can itself be resumed or merged.
 * The shards must have graded the same labs with the same configuration, and applied the same
 * course policy, roster and submission-times file: each shard's course.json (graders/policy/
 * apply.ts) is verified and joined, and the course applied again to the merged class, so the
 * gradebook (grades.csv, gradebook.json, the LMS imports, the deadline sections of the feedback,
 * the summary's course lines) is the one a single batch would have written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../engine/core/errors';
import { ClassReportSummary, writeMergedReport } from '../report/report';
import type { CourseRow } from '../policy/course';
import { COURSE_FILE, CourseInputs, joinCourseInputs, readCourseInputs, writeCourseGradebook, writeCourseInputs } from '../policy/apply';
import { Gradebook, readGradebook, writeGradebook } from './gradebook';
import { Manifest, moveInto, openStore, readManifest, readStudent, signRecord, storeKey, studentDir, writeAtomic, writeManifest } from './store';
import { parseShard } from './shard';

export interface MergeOptions {
  /** Output folders of `batch`, usually one per shard. */
  shards: string[];
  out: string;
  env?: NodeJS.ProcessEnv;
  /** When gradebook.json says it was written (default: now). */
  now?: Date;
}

export interface MergeReport {
  dir: string;
  labs: string[];
  students: string[];
  /** Shards `i/n` that none of the folders holds. */
  missingShards: string[];
  /** Students listed by a shard without a finished record (an interrupted shard). */
  missing: string[];
  /** Students whose results did not verify, with the reason. */
  unverified: Array<{ student: string; shard: string; message: string }>;
  gradebook: Gradebook;
  /** report.html of the merged class, or why it could not be written. */
  report: ClassReportSummary;
  /** With the shards' course inputs: the rows with the policy applied, and the LMS imports' problems. */
  course?: { rows: CourseRow[]; policy: boolean; roster: boolean; lmsProblems: string[] };
}

function manifestOf(dir: string): Manifest {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError('missing_file', `no folder ${dir}`);
  const m = readManifest(dir);
  if (!m) throw new InputError('bad_submission', `${dir} holds no batch.json: it is not the output folder of gradecheck batch`);
  return m;
}

/** Which shards of n are missing; throws when the folders are not shards of one split. */
function checkShards(dirs: string[], manifests: Manifest[]): string[] {
  const shards = manifests.map((m) => (m.shard ? parseShard(m.shard) : undefined));
  if (shards.every((s) => s === undefined)) return [];
  if (shards.some((s) => s === undefined)) throw new InputError('bad_submission', 'some folders hold shards and some a whole batch: merge the shards of one split');
  const count = shards[0]!.count;
  const seen = new Map<number, string>();
  shards.forEach((s, i) => {
    if (s!.count !== count) throw new InputError('bad_submission', `${dirs[i]} holds shard ${manifests[i].shard}, but ${dirs[0]} is one of ${count}`);
    if (seen.has(s!.index)) throw new InputError('bad_submission', `${dirs[i]} and ${seen.get(s!.index)} both hold shard ${manifests[i].shard}`);
    seen.set(s!.index, dirs[i]);
  });
  return Array.from({ length: count }, (_, i) => i + 1)
    .filter((i) => !seen.has(i))
    .map((i) => `${i}/${count}`);
}

/**
 * The shards' course inputs joined (undefined when no shard has trustworthy ones, or none has
 * any: folders written before course.json existed); refused when only some have them or they
 * differ. A shard whose course.json does not verify is left out, in `doubtful` with the reason:
 * its students are flagged like results that do not verify (and its missing students unknown).
 */
function joinedCourse(dirs: string[], keys: Array<Buffer | undefined>): { course?: CourseInputs; doubtful: Map<string, string> } {
  const read = dirs.map((dir, i) => ({ dir, r: readCourseInputs(dir, keys[i]) }));
  const without = read.filter((x) => !x.r);
  const doubtful = new Map(read.flatMap((x) => (x.r && !x.r.ok ? [[x.dir, x.r.message] as const] : [])));
  if (without.length === read.length) return { doubtful };
  if (without.length) throw new InputError('bad_submission', `${without[0].dir} holds no ${COURSE_FILE} (written by an older gradecheck?), but ${read.find((x) => x.r)!.dir} does: grade that shard again with this version, then merge`);
  const trusted = read.flatMap((x) => (x.r?.ok ? [{ dir: x.dir, inputs: x.r.inputs }] : []));
  return { course: trusted.length ? joinCourseInputs(trusted) : undefined, doubtful };
}

export function mergeShards(opts: MergeOptions): MergeReport {
  const env = opts.env ?? process.env;
  const dirs = opts.shards.map((d) => path.resolve(d));
  const out = path.resolve(opts.out);
  if (dirs.length === 0) throw new InputError('missing_file', 'no shard folders to merge');
  if (dirs.includes(out)) throw new InputError('bad_submission', `the output folder ${out} is also a shard: merge into a new folder`);
  const manifests = dirs.map(manifestOf);
  const { labs, config } = manifests[0];
  manifests.forEach((m, i) => {
    if (m.labs.join(',') !== labs.join(',')) throw new InputError('bad_submission', `${dirs[i]} graded labs ${m.labs.join(', ')}, but ${dirs[0]} graded ${labs.join(', ')}`);
    if (m.config !== config) throw new InputError('bad_submission', `${dirs[i]} was graded with another configuration than ${dirs[0]} (other rubrics, reference, --timeout or --memory)`);
  });
  const missingShards = checkShards(dirs, manifests);
  const keys = dirs.map((d) => storeKey(d, env, false));
  const { course, doubtful } = joinedCourse(dirs, keys);

  const store = openStore(out, env);
  const owner = new Map<string, string>();
  const missing: string[] = [];
  const unverified: MergeReport['unverified'] = [];
  manifests.forEach((m, i) => {
    const key = keys[i];
    for (const student of m.students) {
      if (owner.has(student)) throw new InputError('bad_submission', `${student} is in both ${owner.get(student)} and ${dirs[i]}`);
      owner.set(student, dirs[i]);
      const r: ReturnType<typeof readStudent> = doubtful.has(dirs[i]) ? { ok: false, reason: 'unverified', message: doubtful.get(dirs[i])! } : readStudent(dirs[i], student, key);
      const final = studentDir(store, student);
      if (!r.ok) {
        fs.rmSync(final, { recursive: true, force: true });
        if (r.reason === 'missing') missing.push(student);
        else unverified.push({ student, shard: m.shard ?? dirs[i], message: r.message });
        continue;
      }
      const tmp = path.join(path.dirname(final), `.tmp-${path.basename(final)}-${process.pid}`);
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.cpSync(studentDir({ dir: dirs[i] }, student), tmp, { recursive: true });
      const { mac: _old, ...unsigned } = r.record;
      writeAtomic(path.join(tmp, 'record.json'), JSON.stringify(signRecord(store.key, unsigned), null, 2) + '\n');
      moveInto(tmp, final);
    }
  });
  const students = [...owner.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  writeManifest(out, { labs, config, shard: null, students });
  const gradebook = readGradebook(out, labs, students, store.key);
  for (const u of unverified) {
    const row = gradebook.rows.find((r) => r.student === u.student)!;
    row.status = 'unverified';
    row.message = `shard ${u.shard}: ${u.message}`;
  }
  gradebook.missing = missing;
  gradebook.unverified = unverified.map((u) => u.student);
  let applied: MergeReport['course'];
  if (course) {
    writeCourseInputs(out, store.key, course);
    const { output } = writeCourseGradebook(out, labs, gradebook, course, opts.now ?? new Date());
    applied = { rows: output.rows, policy: Boolean(course.policy), roster: Boolean(course.roster), lmsProblems: output.problems };
  } else {
    fs.rmSync(path.join(out, COURSE_FILE), { force: true });
    writeGradebook(out, labs, gradebook);
  }
  const report = writeMergedReport({ shards: dirs, dir: out, labs, gradebook });
  return { dir: out, labs, students, missingShards, missing, unverified, gradebook, report, course: applied };
}
