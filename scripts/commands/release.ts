import * as fs from 'fs';
import * as path from 'path';
import { buildRelease, RELEASE_MARKER } from '../../graders/release/build';
import { findLeaks, formatLeaks } from '../../graders/release/leaks';
import { readReleaseManifest } from '../../graders/release/manifest';
import { ASSIGNMENT_OPTIONS, SHARED_OPTIONS, UsageError, assignmentOption, defineCommand, described, flag, required, text } from '../command';

export const release = defineCommand({
  name: 'release',
  summary: 'Builds the student template repository (stubs, graders, visible items and their expected values, the GitHub workflow) and checks that nothing leaks.',
  options: {
    out: required(described(SHARED_OPTIONS.out, 'where to write the release (empty, new, or an earlier release)')),
    ...ASSIGNMENT_OPTIONS,
    name: text('NAME', 'package name of the release (default ml-labs)'),
    'instructor-repo': text('OWNER/NAME', "the workflow grades with this private repository's graders (needs the GRADECHECK_INSTRUCTOR_TOKEN secret)"),
    instructor: flag("build the instructor's graders instead: every item, hidden ones included (keep it private)"),
    check: flag('only check the release already in --out for leaks'),
  },
  details: [
    "The labs are the assignment's (assignment.yaml here, --assignment FILE) or --labs: one of them is required.",
    'The leak check fails (exit code 1) if the release holds a reference function body, a hidden',
    "item's id or numbers of a hidden item's cases, or anything from reference/ or fixtures/mutants/.",
    'Then: cd DIR && npm ci && npm test (the stubs score 0). See docs/release.md.',
  ].join('\n'),
  async run(args, io) {
    const out = path.resolve(io.cwd, args.get('out'));
    if (!path.relative(out, io.root).startsWith('..')) throw new UsageError(`release: --out ${out} contains the harness; choose a folder outside it`);
    const repo = args.get('instructor-repo');
    if (repo !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) throw new UsageError(`--instructor-repo must be OWNER/NAME, not "${repo}"`);
    let labs: string[] | undefined;
    if (args.get('check')) {
      if (!fs.existsSync(path.join(out, RELEASE_MARKER))) throw new UsageError(`release --check: ${out} is not a gradecheck release`);
    } else {
      if (fs.existsSync(out) && fs.readdirSync(out).length > 0 && !fs.existsSync(path.join(out, RELEASE_MARKER))) {
        throw new UsageError(`release: ${out} is not empty and holds no earlier release; choose another folder`);
      }
      const assignment = assignmentOption(args, io, 'release', true);
      const built = await buildRelease({
        root: io.root,
        out,
        labs: assignment.labs,
        assignment: assignment.name,
        name: args.get('name'),
        kind: args.get('instructor') ? 'instructor' : 'student',
        instructorRepository: repo,
        onProgress: (m) => io.stderrTTY && io.err(m),
      });
      labs = built.labs;
      io.out(`release written to ${path.relative(io.cwd, out) || out}: ${built.files.length} files`);
      for (const lab of built.labs) {
        const { shipped, withheld } = built.items[lab];
        io.out(`  ${lab}: ${shipped.length} item${shipped.length === 1 ? '' : 's'} with expected values, ${withheld.length} hidden left out`);
      }
    }
    const manifest = readReleaseManifest(out);
    labs ??= manifest?.labs;
    const instructor = args.get('instructor') || manifest?.kind === 'instructor' || (!manifest && fs.readFileSync(path.join(out, RELEASE_MARKER), 'utf8').includes('instructor'));
    const leaks = await findLeaks({ root: io.root, release: out, labs, allowHidden: instructor });
    if (leaks.length) {
      io.out(`leak check: ${leaks.length} problem${leaks.length > 1 ? 's' : ''}:`);
      io.out(formatLeaks(leaks));
      return 1;
    }
    io.out(instructor ? 'leak check: no reference code (hidden items are included on purpose: keep this private)' : 'leak check: nothing leaks (no reference body, no hidden item, no hidden value)');
    return 0;
  },
});
