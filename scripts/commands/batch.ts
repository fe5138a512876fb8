import * as fs from 'fs';
import * as path from 'path';
import { BatchEvent, PREVIOUS_GRADEBOOK_FILE, REGRADE_FILE, runBatch } from '../../graders/batch/batch';
import { CANVAS_FILE, MOODLE_FILE } from '../../graders/policy/lms';
import { parseTimeout } from '../../graders/batch/grade-student';
import { ProgressState, formatDuration, progressBar, progressLine, studentName } from '../../graders/batch/progress';
import { SHARD_OPTION_HELP, formatShard, shardOption } from '../../graders/batch/shard';
import { GRADEBOOK_FILE, SUMMARY_FILE } from '../../graders/batch/gradebook';
import { REPORT_OPTIONS, readReportOptions } from '../../graders/report/options';
import { reportLine } from '../../graders/report/report';
import { forTerminal } from '../../graders/emit/text';
import { ASSIGNMENT_OPTIONS, CommandIO, SHARED_OPTIONS, UsageError, assignmentOption, defineCommand, described, flag, number, required, text } from '../command';

/** Draws progress: a bar redrawn in place on a terminal, else a line per finished student. */
function progressView(io: CommandIO) {
  const tty = io.stderrTTY && !io.env.CI;
  const state: ProgressState = { done: 0, total: 0, problems: 0, startedAt: Date.now(), now: Date.now(), running: [] };
  let ticker: NodeJS.Timeout | undefined;
  const columns = () => process.stderr.columns || 100;
  const redraw = () => {
    state.now = Date.now();
    process.stderr.write(`\r\u001b[2K${progressBar(state, columns())}`);
  };
  const above = (text: string) => {
    process.stderr.write(`\r\u001b[2K${text.length > columns() - 1 ? `${text.slice(0, columns() - 2)}…` : text}\n`);
    redraw();
  };
  return {
    onEvent(e: BatchEvent) {
      if (e.type === 'preparing') io.err(`preparing ${e.lab} (expected values)...`);
      else if (e.type === 'start') {
        state.total = e.toGrade;
        state.startedAt = Date.now();
        io.err(`grading ${e.toGrade} of ${e.students} submissions${e.skipped ? ` (${e.skipped} already finished)` : ''} with ${e.jobs} worker${e.jobs === 1 ? '' : 's'}, sandbox ${e.sandbox}, labs ${e.labs.join(', ')}`);
        if (tty && e.toGrade > 0) {
          redraw();
          ticker = setInterval(redraw, 1000);
        }
      } else if (e.type === 'started') {
        state.running.push(e.student);
        if (tty) redraw();
      } else if (e.type === 'graded') {
        state.done = e.done;
        state.problems = e.problems;
        state.now = Date.now();
        state.running = state.running.filter((s) => s !== e.student);
        if (!tty) io.err(progressLine(state, e.record));
        else if (e.record.status !== 'graded') above(`${studentName(e.record.student)}: ${e.record.status}${e.record.message ? ` (${forTerminal(e.record.message, { lines: false })})` : ''}`);
        else redraw();
      }
    },
    stop() {
      if (ticker) clearInterval(ticker);
      if (tty && state.total > 0) process.stderr.write(`\r\u001b[2K${progressBar({ ...state, running: [], now: Date.now() }, columns())}\n`);
    },
  };
}

export const batch = defineCommand({
  name: 'batch',
  summary: 'Grades a folder of submissions (one folder or .zip per student) into a gradebook, feedback per student and a class summary.',
  positionals: [{ name: 'SUBMISSIONS', description: 'folder holding one folder (a repository clone) or .zip per student; the name is the student id', required: true }],
  options: {
    out: required(described(SHARED_OPTIONS.out, 'output folder: grades.csv, summary.md, students/<slug>-<hash>/ per student (required)')),
    jobs: number('N', 'submissions graded at once (default: the number of cores)', { min: 1, integer: true }),
    ...ASSIGNMENT_OPTIONS,
    timeout: text('S', "each item's time budget in seconds, or `2x` to scale the rubric's (default: the rubric's)"),
    sandbox: SHARED_OPTIONS.sandbox,
    memory: described(SHARED_OPTIONS.memory, 'heap cap of each student process (default 512)'),
    resume: flag('skip the students already finished in DIR (verified, same submission and configuration)'),
    force: flag('grade everyone again into a DIR that holds an earlier gradebook, replacing it'),
    shard: text('i/n|auto', SHARD_OPTION_HELP),
    typecheck: flag('also report type errors in the feedback (slower)'),
    roster: text('FILE', 'the class roster, CSV: id (the submission name), name, email, section, canvas_id, sis_user_id, sis_login_id, username, idnumber; missing students get 0, and Canvas and Moodle imports are written'),
    'submitted-at': text('FILE', "submission times, CSV: student,submitted_at (ISO 8601; without an offset, in the assignment's time_zone); default: each clone's last commit touching labs/"),
    ...REPORT_OPTIONS,
  },
  details: [
    'The labs are the assignment\'s (assignment.yaml here, --assignment FILE) or --labs: one of them is',
    'required, and the totals are out of those labs\' points. An earlier gradebook in DIR is never',
    'replaced silently: --resume finishes or updates it, --force grades everyone again.',
    'Each submission is graded in isolation (student code in a sandboxed process per lab, with time',
    'and memory limits); a hostile or broken one costs only itself. Only labs/** is taken from a',
    'submission. A name that is not UTF-8 or holds control characters is shown escaped (\\xFF) and',
    'noted in the status column. Results are written per student as each finishes, signed with a key',
    'the student code never sees (GRADECHECK_BATCH_KEY, else DIR/.batch-key). Ctrl-C stops cleanly;',
    'run again with --resume to grade the rest. With a due date in the assignment file, the late policy',
    '(grace, penalty per day or hour started, cutoff, extensions) gives the final scores; grades.csv then',
    'has the raw score, lateness, penalty and final score of each lab. --resume over an earlier gradebook',
    'keeps it as grades.previous.csv and writes regrade.md and regrade.json: whose scores changed, by how',
    'much, on which items, and why. Exit codes: 0 all graded, 1 the harness failed on some',
    '(status `error`), 2 bad usage, 130 interrupted. See docs/batch.md.',
  ].join('\n'),
  async run(args, io) {
    const submissions = path.resolve(io.cwd, args.positionals[0]);
    if (!fs.existsSync(submissions) || !fs.statSync(submissions).isDirectory()) throw new UsageError(`batch: no folder ${submissions}`);
    const out = path.resolve(io.cwd, args.get('out'));
    const timeoutText = args.get('timeout');
    const timeout = timeoutText === undefined ? undefined : parseTimeout(timeoutText);
    if (timeoutText !== undefined && !timeout) throw new UsageError(`--timeout must be seconds (3, 0.5) or a factor (2x), not "${timeoutText}"`);
    const shardText = args.get('shard');
    const reportOptions = readReportOptions((name) => args.get(name));
    if (!reportOptions.ok) throw new UsageError(reportOptions.message);
    const shardChoice = shardText === undefined ? undefined : shardOption(shardText, io.env);
    if (shardChoice && !shardChoice.ok) throw new UsageError(shardChoice.message);
    const shard = shardChoice?.shard;
    if (shardChoice && shardChoice.engine !== 'option') io.err(`shard ${formatShard(shardChoice.shard)}, from ${shardChoice.from}`);

    const controller = new AbortController();
    const stop = (signal: string) => () => {
      if (!controller.signal.aborted) io.err(`\n${signal}: stopping the workers...`);
      controller.abort();
    };
    const onInt = stop('interrupted');
    const onTerm = stop('terminated');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const view = progressView(io);
    const started = Date.now();
    const assignment = assignmentOption(args, io, 'batch', true);
    const optionalFile = (name: 'roster' | 'submitted-at') => {
      const v = args.get(name);
      return v === undefined ? undefined : path.resolve(io.cwd, v);
    };
    let report;
    try {
      report = await runBatch({
        root: io.root,
        submissions,
        out,
        jobs: args.get('jobs'),
        labs: assignment.labs,
        policy: assignment.policy,
        roster: optionalFile('roster'),
        submittedAt: optionalFile('submitted-at'),
        timeout,
        sandbox: args.get('sandbox'),
        memoryMb: args.get('memory'),
        typecheck: args.get('typecheck'),
        resume: args.get('resume'),
        force: args.get('force'),
        shard,
        env: io.env,
        signal: controller.signal,
        onEvent: view.onEvent,
        report: reportOptions.options,
      });
    } finally {
      view.stop();
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }

    const rel = (p: string) => (path.relative(io.cwd, p).startsWith('..') ? p : path.relative(io.cwd, p) || '.');
    if (report.ignored.length) io.err(`ignored (neither a folder nor a .zip): ${report.ignored.map((name) => studentName(name)).join(', ')}`);
    const problems = report.gradebook.rows.filter((r) => r.status !== 'graded' && r.status !== 'not_graded').length;
    io.out(
      `graded ${report.graded.length} submission${report.graded.length === 1 ? '' : 's'} in ${formatDuration(Date.now() - started)}` +
        `${report.skipped.length ? ` (${report.skipped.length} already finished)` : ''}; ${problems} of ${report.students.length} with problems (see the status column)`,
    );
    io.out(`gradebook: ${rel(path.join(report.dir, GRADEBOOK_FILE))}`);
    io.out(`summary:   ${rel(path.join(report.dir, SUMMARY_FILE))}`);
    const reportText = reportLine(report.report, rel);
    io[reportText.stream](reportText.text);
    io.out(`feedback:  ${rel(path.join(report.dir, 'students'))}/<slug>-<hash>/feedback.md (each student's folder is listed in ${rel(path.join(report.dir, 'batch.json'))})`);
    const course = report.course;
    if (assignment.policy) {
      const count = (s: string) => course.filter((r) => r.late_status === s).length;
      io.out(`deadline:  ${count('on_time')} on time, ${count('grace')} within grace, ${count('late')} late, ${count('past_cutoff')} past the cutoff, ${count('no_time')} without a submission time`);
      if (course.some((r) => r.time_source === 'git')) io.err('warning: some submission times are commit dates, which students control; give --submitted-at for times the LMS recorded (see summary.md)');
    }
    if (course.some((r) => r.roster !== null)) {
      const missing = course.filter((r) => r.status === 'missing').map((r) => studentName(r.student));
      const outside = course.filter((r) => r.roster === 'not_on_roster').map((r) => studentName(r.student));
      io.out(`roster:    ${missing.length} missing${missing.length ? ` (${missing.join(', ')})` : ''}; ${outside.length} not on the roster${outside.length ? ` (${outside.join(', ')})` : ''}`);
      io.out(`LMS:       ${rel(path.join(report.dir, CANVAS_FILE))} (Canvas), ${rel(path.join(report.dir, MOODLE_FILE))} (Moodle)`);
      for (const p of report.lmsProblems) io.err(`LMS import: ${forTerminal(p, { lines: false })}`);
    }
    if (report.regrade) {
      const r = report.regrade;
      io.out(`regrade:   ${r.changed.length} student${r.changed.length === 1 ? '' : 's'} with changed scores (${rel(path.join(report.dir, REGRADE_FILE))}; the earlier gradebook is ${rel(path.join(report.dir, PREVIOUS_GRADEBOOK_FILE))})`);
    }
    if (report.interrupted) {
      io.err(`interrupted: ${report.students.length - report.gradebook.missing.length} of ${report.students.length} submissions are finished; run the same command with --resume to grade the rest`);
      return 130;
    }
    if (report.errors.length) {
      io.err(`the harness could not grade ${report.errors.map((s) => studentName(s)).join(', ')} (status error); run again with --resume to retry them`);
      return 1;
    }
    return 0;
  },
});
