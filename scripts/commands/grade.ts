import * as fs from 'fs';
import * as path from 'path';
import { gradeSubmission } from '../../graders/engine/core/grade';
import { feedbackFiles, formatTable } from '../../graders/emit/score-table';
import { ResultsSchema } from '../../graders/engine/core/results';
import { SANDBOX_MODES } from '../../graders/engine/host/sandbox';
import { ASSIGNMENT_OPTIONS, CommandSpec, UsageError, assignmentOption, choiceOption, numberOption, stringOption } from '../command';

export const grade: CommandSpec = {
  name: 'grade',
  summary: "Grades one submission's labs and prints the score table (exit code 1 when points are lost).",
  options: {
    submission: { type: 'string', placeholder: 'DIR', description: "folder holding the student's labs/ (default: this repository)" },
    ...ASSIGNMENT_OPTIONS,
    json: { type: 'string', placeholder: 'FILE', description: 'also write the results file (schema gradecheck/results v1)' },
    feedback: { type: 'string', placeholder: 'DIR', description: 'also write feedback.md (and its figures) into DIR' },
    sandbox: { type: 'string', placeholder: 'MODE', description: `isolation of student code: ${SANDBOX_MODES.join('|')} (default auto)` },
    memory: { type: 'string', placeholder: 'MB', description: 'heap cap of the student process (default 512)' },
    all: { type: 'boolean', description: 'show hidden items too (the instructor view)' },
    'skip-typecheck': { type: 'boolean', description: 'do not report type errors' },
  },
  async run(args, io) {
    const submission = path.resolve(io.cwd, stringOption(args, 'submission') ?? io.root);
    if (!fs.existsSync(submission) || !fs.statSync(submission).isDirectory()) throw new UsageError(`--submission: no folder ${submission}`);
    const sandbox = choiceOption(args, 'sandbox', SANDBOX_MODES, 'auto');
    const memoryMb = numberOption(args, 'memory', { min: 64, integer: true });
    const json = stringOption(args, 'json');
    const results = await gradeSubmission({
      root: io.root,
      submission,
      labs: assignmentOption(args, io, 'grade', false).labs,
      sandbox,
      memoryMb,
      typecheck: !args.values['skip-typecheck'],
      onLab: (lab) => io.stderrTTY && io.err(`grading ${lab}...`),
    });
    io.out(formatTable(results, { view: args.values.all ? 'instructor' : 'student', color: io.stdoutTTY && !io.env.NO_COLOR }));
    if (json) {
      const file = path.resolve(io.cwd, json);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(ResultsSchema.parse(results), null, 2) + '\n');
      io.err(`results written to ${path.relative(io.cwd, file) || file}`);
    }
    const feedback = stringOption(args, 'feedback');
    if (feedback) {
      const dir = path.resolve(io.cwd, feedback);
      for (const [name, text] of Object.entries(feedbackFiles(results, { view: args.values.all ? 'instructor' : 'student' }))) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
      }
      io.err(`feedback written to ${path.relative(io.cwd, path.join(dir, 'feedback.md'))}`);
    }
    return results.score < results.max_score ? 1 : 0;
  },
};
