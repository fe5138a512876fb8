/**
 * The Jest front end of the engine: `defineGrader('rnn')` in graders/rnn.test.ts makes one
 * Jest test per rubric item, graded in the student process like every other front end.
 * Each test file writes its lab's results to GRADECHECK_RESULTS_DIR, and the score-table
 * reporter (jest-reporter.cjs) prints them when the run ends.
 *
 * In a student release, the lab's items left out of it (its manifest, release/manifest.ts) are
 * reported as pending. Environment: GRADECHECK_SUBMISSION (folder holding labs/, default the harness),
 * GRADECHECK_SANDBOX (auto|bwrap|permission|none), GRADECHECK_RESULTS_DIR.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expectedFor } from '../core/expected';
import { LabSession, submissionTree } from '../core/grade';
import { loadLab } from '../core/labs';
import { formatTable } from '../../emit/score-table';
import { RESULTS_FORMAT, RESULTS_VERSION, ItemResult } from '../core/results';
import { resolveSandbox, SandboxRequest } from '../host/sandbox';
import { forTerminal } from '../../emit/text';
import { readReleaseManifest } from '../../release/manifest';

const HARNESS_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Jest prints the message in the student's terminal (and CI log): it quotes what their code threw. */
class ItemFailed extends Error {
  constructor(feedback: string) {
    const message = forTerminal(feedback);
    super(message);
    this.name = 'ItemFailed';
    this.stack = `${this.name}: ${message}`; // the message is the feedback; a stack would be noise
  }
}

function explain(r: ItemResult): string {
  const lines = [`${r.status}: ${r.message}`];
  if (r.diagnosis) lines.push(`diagnosis: ${r.diagnosis}`);
  if (r.hint) lines.push(`hint: ${r.hint}`);
  return lines.join('\n');
}

export function defineGrader(labName: string, root = HARNESS_ROOT): void {
  const lab = loadLab(root, labName);
  const submission = path.resolve(process.env.GRADECHECK_SUBMISSION ?? root);
  const sandbox = resolveSandbox((process.env.GRADECHECK_SANDBOX as SandboxRequest | undefined) ?? 'auto');
  // A student release holds no hidden items: the table says what they are worth, and when they are graded.
  const withheld = readReleaseManifest(root)?.withheld[labName];
  const pending = withheld && withheld.items > 0 ? { pending: withheld } : {};
  let session: LabSession | undefined;

  describe(`${lab.name}: ${lab.rubric.title}`, () => {
    beforeAll(async () => {
      const expected = await expectedFor(root, lab);
      session = new LabSession(lab, { root, tree: submissionTree(root, submission), sandbox, expected, typecheck: true });
    }, 120000);

    afterAll(async () => {
      if (!session) return;
      await session.close();
      const dir = process.env.GRADECHECK_RESULTS_DIR;
      if (dir) {
        fs.mkdirSync(dir, { recursive: true });
        const results = { format: RESULTS_FORMAT, version: RESULTS_VERSION, submission: path.relative(process.cwd(), submission) || '.', sandbox, ...session.result(), ...pending };
        fs.writeFileSync(path.join(dir, `${lab.name}.json`), JSON.stringify(results));
      } else {
        const r = { ...session.result(), ...pending };
        process.stdout.write(formatTable({ format: RESULTS_FORMAT, version: RESULTS_VERSION, submission: '.', sandbox, score: r.score, max_score: r.max_score, labs: [r] }, { view: 'student' }) + '\n');
      }
    });

    for (const item of lab.rubric.items) {
      // Items without expected values (hidden ones, in a student release) are not there to test.
      const run = async () => {
        if (!session!.items.includes(item)) return;
        const r = await session!.grade(item);
        if (r.status !== 'passed') throw new ItemFailed(explain(r));
      };
      test(`${item.id} (${item.points} pt${item.points === 1 ? '' : 's'}): ${item.title}`, run, item.timeout * 1000 + 30000);
    }
  });
}
