/**
 * An assignment: the labs a class does, decided once for every command that grades or ships
 * labs (`grade`, `batch`, `gradescope`, `release`): from an assignment file, or `--labs`. No
 * command grades a lab the assignment does not name, so an activations-only class is out of
 * the activations lab's points, and a Gradescope autograder for it grades nothing else.
 *
 *   # assignment.yaml
 *   name: ml-labs-autumn        # optional: Classroom 50's assignment, names of artefacts
 *   labs: [activations, backprop]
 *
 * It also holds the course's deadline policy (due date and time zone, grace period, late
 * penalty, cutoff, extensions, LMS column names: graders/policy/policy.ts, with a complete
 * example in docs/assignment-example.yaml), which `batch` applies to the scores.
 *
 * The schema is the single source of truth for the file and its type. It is strict (a misspelt
 * field is an error). A bad file is refused with every problem at once, each with its file,
 * line and path (`assignment.yaml:2:9 labs[1]: no lab "atention" ...`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { InputError } from './errors';
import { CoursePolicy, POLICY_FIELDS, resolvePolicy } from '../../policy/policy';
import { listLabs } from './labs';
import { SpecDocument, SpecError, SpecIssue } from './spec-files';

/** The file `grade`, `batch`, `gradescope` and `release` read from the folder they run in. */
export const ASSIGNMENT_FILE = 'assignment.yaml';

export const AssignmentSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, ".", "_" and "-"')
      .optional()
      .describe("the assignment's name (Classroom 50's assignment; default: the labs joined by +)"),
    labs: z.array(z.string().min(1)).min(1).describe('the labs of the assignment, in gradebook order'),
    ...POLICY_FIELDS,
  })
  .strict();

export type AssignmentFile = z.infer<typeof AssignmentSchema>;

export interface Assignment extends AssignmentFile {
  /** Where it was read from (undefined: from --labs alone). */
  file?: string;
  /** The deadline policy, resolved to instants (undefined: no due date). */
  policy?: CoursePolicy;
}

/** Problems only the harness can see: labs it does not have, a lab named twice. */
function crossCheck(doc: SpecDocument, a: AssignmentFile, known: string[]): SpecIssue[] {
  const issues: SpecIssue[] = [];
  a.labs.forEach((lab, i) => {
    if (a.labs.indexOf(lab) !== i) issues.push(doc.issue(['labs', i], `lab "${lab}" is named twice (first at labs[${a.labs.indexOf(lab)}])`));
    else if (!known.includes(lab)) issues.push(doc.issue(['labs', i], `no lab "${lab}" (labs here: ${known.join(', ') || 'none'})`));
  });
  return issues;
}

/** Reads and checks an assignment file against the labs of `root`; throws a SpecError with every problem. */
export function loadAssignment(file: string, root: string, displayName = file): Assignment {
  if (!fs.existsSync(file)) throw new InputError('missing_file', `no assignment file ${displayName}`);
  const doc = SpecDocument.read(file, displayName);
  const parsed = doc.parseWith(AssignmentSchema);
  const issues = crossCheck(doc, parsed, listLabs(root));
  const { policy, issues: policyIssues } = resolvePolicy(parsed);
  issues.push(...policyIssues.map((i) => doc.issue(i.path, i.message)));
  for (const [lab, key] of [...Object.keys(parsed.lms?.canvas?.columns ?? {}).map((l) => [l, 'canvas']), ...Object.keys(parsed.lms?.moodle?.columns ?? {}).map((l) => [l, 'moodle'])]) {
    if (!parsed.labs.includes(lab)) issues.push(doc.issue(['lms', key, 'columns', lab], `"${lab}" is not a lab of this assignment (${parsed.labs.join(', ')})`));
  }
  if (issues.length) throw new SpecError(issues);
  return { ...parsed, file, policy };
}

export interface AssignmentChoice {
  /** The harness (or release) whose labs these are. */
  root: string;
  /** The folder the command runs in: its assignment.yaml is read when there is one. */
  cwd: string;
  /** --assignment FILE. */
  file?: string;
  /** --labs a,b: the labs, or, with an assignment, some of its labs. */
  labs?: string[];
  /** Without an assignment or --labs: refuse (`batch`, `gradescope`, `release`), else every lab (`grade`). */
  required: boolean;
  /** For messages: the command. */
  command: string;
}

/**
 * The assignment a command works on: --assignment FILE, else assignment.yaml where it runs, else
 * --labs alone. With both an assignment and --labs, the labs must be the assignment's.
 */
export function chooseAssignment(choice: AssignmentChoice): Assignment {
  const file = choice.file ? path.resolve(choice.cwd, choice.file) : path.join(choice.cwd, ASSIGNMENT_FILE);
  const shown = (f: string) => (path.relative(choice.cwd, f).startsWith('..') ? f : path.relative(choice.cwd, f));
  const assignment = choice.file || fs.existsSync(file) ? loadAssignment(file, choice.root, shown(file)) : undefined;
  const known = listLabs(choice.root);
  if (choice.labs) {
    const unknown = choice.labs.filter((l) => !known.includes(l));
    if (unknown.length) throw new InputError('unknown_lab', `unknown lab${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (labs here: ${known.join(', ')})`);
    const outside = choice.labs.filter((l) => assignment && !assignment.labs.includes(l));
    if (assignment && outside.length) {
      throw new InputError('unknown_lab', `${choice.command}: the assignment ${shown(assignment.file!)} does not contain lab${outside.length > 1 ? 's' : ''} ${outside.join(', ')} (its labs: ${assignment.labs.join(', ')})`);
    }
    return { ...assignment, labs: choice.labs };
  }
  if (assignment) return assignment;
  if (choice.required) {
    throw new InputError(
      'missing_file',
      `${choice.command}: which labs? Name them with --labs a,b, or write the assignment in ${ASSIGNMENT_FILE} (labs: [${known.slice(0, 2).join(', ')}]) or --assignment FILE (labs here: ${known.join(', ')})`,
    );
  }
  return { labs: known };
}
