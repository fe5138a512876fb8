/**
 * Mutants: known student mistakes, each written as a small patch to the reference
 * (`fixtures/mutants/<lab>/<id>.yaml`). A mutant serves twice: grader validation grades it
 * as a submission and checks that it loses points on exactly the items it names, and when a
 * student's output matches a mutant's rather than the reference's, the feedback gives the
 * mutant's diagnosis. This is the format; authoring/expected-values.ts applies and runs them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { SpecDocument, SpecError, SpecIssue } from './spec-files';

const MutantSchema = z
  .object({
    title: z.string().min(1).describe('the mistake, in a few words'),
    diagnosis: z.string().min(1).describe('what the feedback says when a student makes it'),
    file: z.string().min(1).describe('the file of reference/<lab>/ it patches'),
    patch: z
      .array(z.object({ find: z.string().min(1), replace: z.string() }).strict())
      .min(1)
      .describe('each `find` must occur exactly once'),
    loses: z.array(z.string()).min(1).describe('the items that must lose points, and no others'),
  })
  .strict();

export interface Mutant extends z.infer<typeof MutantSchema> {
  id: string;
  source: string;
}

export function loadMutants(dir: string, displayDir: string): Record<string, Mutant> {
  if (!fs.existsSync(dir)) return {};
  const out: Record<string, Mutant> = {};
  const issues: SpecIssue[] = [];
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const display = `${displayDir}/${name}`;
    try {
      const m = SpecDocument.read(path.join(dir, name), display).parseWith(MutantSchema);
      out[name.replace(/\.yaml$/, '')] = { ...m, id: name.replace(/\.yaml$/, ''), source: display };
    } catch (e) {
      if (e instanceof SpecError) issues.push(...e.issues);
      else throw e;
    }
  }
  if (issues.length) throw new SpecError(issues);
  return out;
}
