import * as fs from 'fs';
import * as path from 'path';
import { formatNumber } from '../../graders/emit/case-text';
import { selectLabs } from '../../graders/engine/core/labs';
import { ORACLE_TOLERANCE, checkOracle } from '../../graders/engine/authoring/oracle';
import { SHARED_OPTIONS, UsageError, defineCommand, described, text } from '../command';

export const oracle = defineCommand({
  name: 'oracle',
  summary: 'Checks the reference implementations against golden cases computed by PyTorch (rtol 1e-9, atol 1e-12).',
  options: {
    dir: text('DIR', 'folder of <lab>.json case files (default: ../shared/oracle)'),
    labs: described(SHARED_OPTIONS.labs, 'labs to check (default: every lab with a case file)'),
  },
  details: 'Exit code 1 when any case disagrees or could not be run, or a requested lab has no case file.',
  async run(args, io) {
    const dir = path.resolve(io.cwd, args.get('dir') ?? path.join(io.root, '..', 'shared', 'oracle'));
    if (!fs.existsSync(dir)) throw new UsageError(`--dir: no folder ${dir}`);
    const requested = args.get('labs');
    let ok = true;
    let checked = 0;
    for (const lab of selectLabs(io.root, requested)) {
      const r = await checkOracle(io.root, lab, dir);
      if (!r.found) {
        io.out(`${lab}: no ${path.relative(io.cwd, r.file)}${requested ? '' : ' (skipped)'}`);
        if (requested) ok = false;
        continue;
      }
      const bad = r.cases.filter((c) => !c.ok).length;
      ok &&= bad === 0;
      checked += r.cases.length;
      io.out(`${lab}: ${r.cases.length - bad} of ${r.cases.length} cases agree (${path.relative(io.cwd, r.file)})`);
      for (const c of r.cases) {
        const worst = c.agreement.map((a) => `${a.path} ${formatNumber(a.maxAbs)}/${formatNumber(a.maxRel)}`).join(', ');
        io.out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.id}  [max abs/rel] ${worst}`);
        for (const p of c.problems) io.out(`       ${p}`);
      }
    }
    io.out(`tolerance: rtol ${ORACLE_TOLERANCE.rtol}, atol ${ORACLE_TOLERANCE.atol}; ${checked} cases checked`);
    return ok ? 0 : 1;
  },
});
