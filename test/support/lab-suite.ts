/**
 * The checks every lab gets in the test suite:
 * - its reference agrees with every PyTorch oracle case for the lab (../shared/oracle, and
 *   ../shared/oracle-sequence when that folder has a file for the lab);
 * - grader validation: reference full marks, stub zero (not_implemented), each mutant caught
 *   on exactly its items, with its diagnosis;
 * - labs/<lab>/ and reference/<lab>/ mirror each other file for file and export for export.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadLab } from '../../graders/engine/core/labs';
import { checkOracle } from '../../graders/engine/authoring/oracle';
import { resolveSandbox } from '../../graders/engine/host/sandbox';
import { validateLab } from '../../graders/engine/authoring/validate';
import { HAS_ORACLE, HAS_ORACLE_SEQUENCE, ORACLE_DIR, ORACLE_SEQUENCE_DIR, ROOT } from './paths';

function exportsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^export\s+(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum)\s+([A-Za-z0-9_$]+)/gm)].map((m) => m[1]).sort();
}

export function labSuite(name: string, opts: { minMutants: number }): void {
  describe(`the ${name} lab`, () => {
    const lab = loadLab(ROOT, name);

    const agreesWith = (dir: string) => async () => {
      const r = await checkOracle(ROOT, name, dir);
      expect(r.found).toBe(true);
      expect(r.cases.length).toBeGreaterThan(0);
      expect(r.cases.filter((c) => !c.ok).map((c) => `${c.id}: ${c.problems.join('; ')}`)).toEqual([]);
    };

    // A lab's oracle file is optional (a new lab may have none yet): said, not failed.
    const hasOracleFile = HAS_ORACLE && fs.existsSync(path.join(ORACLE_DIR, `${name}.json`));
    (hasOracleFile ? test : test.skip)(`its reference agrees with every case of ${path.relative(ROOT, ORACLE_DIR)}/${name}.json`, agreesWith(ORACLE_DIR));
    if (!HAS_ORACLE) console.warn(`SKIPPED: the ${name} oracle check, because ${ORACLE_DIR} does not exist`);
    else if (!hasOracleFile) console.warn(`SKIPPED: the ${name} oracle check, because ${ORACLE_DIR} has no ${name}.json (a warning, not a failure)`);

    // Not every lab has sequence-model cases: a lab without a file there has nothing to check.
    if (!HAS_ORACLE_SEQUENCE) console.warn(`SKIPPED: the ${name} sequence-model oracle check, because ${ORACLE_SEQUENCE_DIR} does not exist`);
    else if (fs.existsSync(path.join(ORACLE_SEQUENCE_DIR, `${name}.json`))) {
      test(`its reference agrees with every case of ${path.relative(ROOT, ORACLE_SEQUENCE_DIR)}/${name}.json`, agreesWith(ORACLE_SEQUENCE_DIR));
    }

    // Grades the reference, the stub and every mutant (the rnn lab: 29 gradings, each training
    // three models): past Jest's default timeout on a machine shared with other jobs.
    test('validation: the reference gets full marks, the stub zero, every mutant is caught with its diagnosis', async () => {
      const v = await validateLab(name, { root: ROOT, sandbox: resolveSandbox('auto') });
      expect(v.reference.problems).toEqual([]);
      expect(v.reference.score).toBe(v.maxScore);
      expect(v.stub.problems).toEqual([]);
      expect(v.stub.score).toBe(0);
      expect(v.requirements).toEqual([]);
      expect(v.mutants.length).toBeGreaterThanOrEqual(opts.minMutants);
      expect(v.mutants.filter((m) => !m.caught).map((m) => ({ id: m.id, missed: m.missed, unexpected: m.unexpected, undiagnosed: m.undiagnosed }))).toEqual([]);
      for (const m of v.mutants) expect(m.score).toBeLessThan(v.maxScore);
    }, 300000);

    test('labs/ and reference/ mirror each other file for file and export for export', () => {
      for (const file of lab.rubric.files) {
        const stub = path.join(ROOT, 'labs', name, file);
        const reference = path.join(ROOT, 'reference', name, file);
        expect(fs.existsSync(stub)).toBe(true);
        expect(fs.existsSync(reference)).toBe(true);
        expect(exportsOf(reference)).toEqual(exportsOf(stub));
      }
      const refFiles = fs.readdirSync(path.join(ROOT, 'reference', name)).filter((f) => f.endsWith('.ts')).sort();
      expect(refFiles).toEqual([...lab.rubric.files].sort());
    });

    test('has hidden items, and every item names a hint or a mutant', () => {
      expect(lab.rubric.items.some((it) => it.visibility !== 'visible')).toBe(true);
    });
  });
}
