import { selectLabs } from '../../graders/engine/core/labs';
import { resolveSandbox } from '../../graders/engine/host/sandbox';
import { validateLab } from '../../graders/engine/authoring/validate';
import { formatPoints } from '../../graders/emit/score-table';
import { SHARED_OPTIONS, defineCommand, described } from '../command';

export const validate = defineCommand({
  name: 'validate',
  summary: 'Checks the graders: the reference gets full marks, the stub zero, and every mutant loses points exactly where it should, with its diagnosis.',
  options: {
    labs: described(SHARED_OPTIONS.labs, 'labs to validate (default: all)'),
    sandbox: described(SHARED_OPTIONS.sandbox, SHARED_OPTIONS.sandbox.description.replace('student code', 'graded code')),
  },
  async run(args, io) {
    const sandbox = resolveSandbox(args.get('sandbox'));
    let ok = true;
    for (const name of selectLabs(io.root, args.get('labs'))) {
      const v = await validateLab(name, { root: io.root, sandbox, onProgress: (m) => io.stderrTTY && io.err(m) });
      ok &&= v.ok;
      io.out(`${name}: ${v.ok ? 'ok' : 'PROBLEMS'}`);
      io.out(`  reference  ${formatPoints(v.reference.score)} / ${formatPoints(v.maxScore)}${v.reference.ok ? '' : '  <- expected full marks'}`);
      for (const p of v.reference.problems) io.out(`    ${p}`);
      io.out(`  stub       ${formatPoints(v.stub.score)} / ${formatPoints(v.maxScore)}${v.stub.ok ? '' : '  <- expected 0, every item not_implemented'}`);
      for (const p of v.stub.problems) io.out(`    ${p}`);
      const width = Math.max(0, ...v.mutants.map((m) => m.id.length));
      for (const m of v.mutants) {
        io.out(`  ${m.caught ? 'caught' : 'MISSED'}  ${m.id.padEnd(width)}  ${formatPoints(m.score).padStart(6)} / ${formatPoints(v.maxScore)}  loses ${m.lost.join(', ') || 'nothing'}`);
        if (m.missed.length) io.out(`    kept full points on ${m.missed.join(', ')}`);
        if (m.unexpected.length) io.out(`    also lost points on ${m.unexpected.join(', ')} (add them to \`loses\` if that is right)`);
        if (m.undiagnosed.length) io.out(`    no diagnosis on ${m.undiagnosed.join(', ')}`);
      }
      for (const r of v.requirements) io.out(`  missing: ${r}`);
    }
    return ok ? 0 : 1;
  },
});
