import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gradeSubmission } from '../../graders/engine/core/grade';
import { feedbackFiles, formatTable } from '../../graders/emit/score-table';
import { ResultsSchema } from '../../graders/engine/core/results';
import { ASSIGNMENT_OPTIONS, SHARED_OPTIONS, UsageError, assignmentOption, defineCommand, flag, text } from '../command';

export const grade = defineCommand({
  name: 'grade',
  summary: "Grades one submission's labs and prints the score table (exit code 1 when points are lost).",
  options: {
    submission: text('DIR', "folder holding the student's labs/ (default: this repository)"),
    ...ASSIGNMENT_OPTIONS,
    json: SHARED_OPTIONS.json,
    feedback: text('DIR', 'also write feedback.md (and its figures) into DIR'),
    sandbox: SHARED_OPTIONS.sandbox,
    memory: SHARED_OPTIONS.memory,
    all: flag('show hidden items too (the instructor view)'),
    'skip-typecheck': flag('do not report type errors'),
  },
  async run(args, io) {
    const submission = path.resolve(io.cwd, args.get('submission') ?? io.root);
    if (!fs.existsSync(submission) || !fs.statSync(submission).isDirectory()) throw new UsageError(`--submission: no folder ${submission}`);
    const sandbox = args.get('sandbox');
    const memoryMb = args.get('memory');
    const json = args.get('json');
    const view = args.get('all') ? 'instructor' : 'student';
    const results = await gradeSubmission({
      root: io.root,
      submission,
      labs: assignmentOption(args, io, 'grade', false).labs,
      sandbox,
      memoryMb,
      typecheck: !args.get('skip-typecheck'),
      concurrency: os.availableParallelism(),
      onLab: (lab) => io.stderrTTY && io.err(`grading ${lab}...`),
    });
    io.out(formatTable(results, { view, color: io.stdoutTTY && !io.env.NO_COLOR }));
    if (json) {
      const file = path.resolve(io.cwd, json);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(ResultsSchema.parse(results), null, 2) + '\n');
      io.err(`results written to ${path.relative(io.cwd, file) || file}`);
    }
    const feedback = args.get('feedback');
    if (feedback) {
      const dir = path.resolve(io.cwd, feedback);
      for (const [name, text] of Object.entries(feedbackFiles(results, { view }))) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
      }
      io.err(`feedback written to ${path.relative(io.cwd, path.join(dir, 'feedback.md'))}`);
    }
    return results.score < results.max_score ? 1 : 0;
  },
});
