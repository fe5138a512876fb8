import * as fs from 'fs';
import * as path from 'path';
import { GRADEBOOK_FILE, SUMMARY_FILE } from '../../graders/batch/gradebook';
import { mergeShards } from '../../graders/batch/merge';
import { CANVAS_FILE, MOODLE_FILE } from '../../graders/policy/lms';
import { studentName } from '../../graders/batch/progress';
import { forTerminal } from '../../graders/emit/text';
import { readManifest } from '../../graders/batch/store';
import { reportLine } from '../../graders/report/report';
import { SHARED_OPTIONS, UsageError, defineCommand, described, required } from '../command';

/** The shard folders: a comma-separated list, or the batch folders inside one folder. */
function shardFolders(cwd: string, spec: string): string[] {
  const listed = spec.split(',').map((s) => path.resolve(cwd, s.trim())).filter(Boolean);
  if (listed.length > 1) return listed;
  const dir = listed[0];
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`merge: no folder ${dir}`);
  if (readManifest(dir)) return [dir];
  const inside = fs
    .readdirSync(dir)
    .sort()
    .map((name) => path.join(dir, name))
    .filter((p) => fs.statSync(p).isDirectory() && readManifest(p));
  if (inside.length === 0) throw new UsageError(`merge: ${dir} holds no batch output folders (folders with a batch.json)`);
  return inside;
}

export const merge = defineCommand({
  name: 'merge',
  summary: 'Joins the output folders of `batch --shard i/n` into one gradebook (grades.csv, summary.md, students/).',
  positionals: [{ name: 'SHARDS', description: 'shard folders, comma-separated, or one folder holding them (e.g. downloaded CI artifacts)', required: true }],
  options: {
    out: required(described(SHARED_OPTIONS.out, 'the merged output folder (required)')),
  },
  details: [
    "Each student's results are verified with the key of the shard that graded them (GRADECHECK_BATCH_KEY,",
    "else the shard's .batch-key) before they are copied. Shards graded with an assignment's deadline policy,",
    'a roster or a submission-times file (the same for every shard: else refused) get the course gradebook one',
    'batch would write: final scores, missing students, Canvas and Moodle imports, deadline feedback.',
    'Exit codes: 0 every student of every shard is in the gradebook, 1 some are missing (a shard or an',
    'unfinished student) or do not verify, 2 bad usage (or shards graded under other course inputs).',
  ].join('\n'),
  async run(args, io) {
    const outOption = args.get('out');
    const shards = shardFolders(io.cwd, args.positionals[0]);
    const report = mergeShards({ shards, out: path.resolve(io.cwd, outOption), env: io.env });
    const rel = (p: string) => (path.relative(io.cwd, p).startsWith('..') ? p : path.relative(io.cwd, p) || '.');
    io.out(`merged ${shards.length} folder${shards.length === 1 ? '' : 's'} (${shards.map(rel).join(', ')}): ${report.students.length} students`);
    io.out(`gradebook: ${rel(path.join(report.dir, GRADEBOOK_FILE))}`);
    io.out(`summary:   ${rel(path.join(report.dir, SUMMARY_FILE))}`);
    const reportText = reportLine(report.report, rel);
    io[reportText.stream](reportText.text);
    if (report.course?.policy) {
      const count = (s: string) => report.course!.rows.filter((r) => r.late_status === s).length;
      io.out(`deadline:  ${count('on_time')} on time, ${count('grace')} within grace, ${count('late')} late, ${count('past_cutoff')} past the cutoff, ${count('no_time')} without a submission time`);
    }
    if (report.course?.roster) {
      const missing = report.course.rows.filter((r) => r.status === 'missing').map((r) => studentName(r.student));
      io.out(`roster:    ${missing.length} missing${missing.length ? ` (${missing.join(', ')})` : ''}; LMS imports ${rel(path.join(report.dir, CANVAS_FILE))}, ${rel(path.join(report.dir, MOODLE_FILE))}`);
      for (const p of report.course.lmsProblems) io.err(`LMS import: ${forTerminal(p, { lines: false })}`);
    }
    let ok = true;
    if (report.missingShards.length) {
      ok = false;
      io.err(`missing shard${report.missingShards.length > 1 ? 's' : ''} ${report.missingShards.join(', ')}: their students are not in the gradebook`);
    }
    if (report.missing.length) {
      ok = false;
      io.err(`not graded yet (an interrupted shard? run its batch again with --resume): ${report.missing.map((s) => studentName(s)).join(', ')}`);
    }
    for (const u of report.unverified) {
      ok = false;
      io.err(`${studentName(u.student)} (shard ${forTerminal(u.shard, { lines: false })}): ${forTerminal(u.message, { lines: false })}`);
    }
    return ok ? 0 : 1;
  },
});
