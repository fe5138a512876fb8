import * as path from 'path';
import { buildGradescope } from '../../graders/release/gradescope';
import { formatLeaks } from '../../graders/release/leaks';
import { ASSIGNMENT_OPTIONS, UsageError, assignmentOption, defineCommand, text } from '../command';

export const gradescope = defineCommand({
  name: 'gradescope',
  summary: 'Builds a Gradescope autograder zip: setup.sh, run_autograder, the graders with every item (hidden ones too) and their expected values.',
  options: {
    out: text('FILE', 'the zip to write (default autograder.zip)'),
    ...ASSIGNMENT_OPTIONS,
  },
  details: [
    "The labs are the assignment's (assignment.yaml here, --assignment FILE) or --labs: the autograder grades those",
    'and no other. Upload the zip as a Gradescope "Zip file upload" autograder. It holds hidden items: never give',
    'it to students. See docs/release.md.',
  ].join('\n'),
  async run(args, io) {
    const out = path.resolve(io.cwd, args.get('out') ?? 'autograder.zip');
    if (!out.endsWith('.zip')) throw new UsageError(`gradescope: --out must name a .zip file, not ${out}`);
    const built = await buildGradescope({ root: io.root, out, labs: assignmentOption(args, io, 'gradescope', true).labs, onProgress: (m) => io.stderrTTY && io.err(m) });
    if (built.leaks.length) {
      io.err(`gradescope: reference code found in the autograder:\n${formatLeaks(built.leaks)}`);
      return 1;
    }
    const items = built.release.labs.map((lab) => `${lab} (${built.release.items[lab].shipped.length} items)`).join(', ');
    io.out(`autograder written to ${path.relative(io.cwd, out) || out} (${Math.round(built.bytes / 1024)} KB): ${items}`);
    return 0;
  },
});
