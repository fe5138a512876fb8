/**
 * A lab graded inside its own grader file, one Jest test per rubric item graded as it runs: the
 * path taken when the run's global setup did not grade the lab beforehand (a Jest
 * configuration without it, a lab it could not prepare). Loads the whole engine.
 */
import type { LabSession } from '../core/grade';
import { ItemFailed, describeTitle, failureText, testTitle } from './plan';
import { labSession, openLab, reportLab, runContext } from './lab-run';

export function gradeInFile(labName: string, root: string): void {
  const lab = openLab(root, labName);
  let session: LabSession | undefined;
  let run: ReturnType<typeof runContext> | undefined;

  describe(describeTitle(lab.name, lab.rubric.title), () => {
    beforeAll(async () => {
      run = runContext(root);
      session = await labSession(run, lab);
    }, 120000);

    afterAll(async () => {
      if (!session || !run) return;
      await session.close();
      reportLab(run, session);
    });

    for (const item of lab.rubric.items) {
      // Items without expected values (hidden ones, in a student release) are not there to test.
      const grade = async () => {
        if (!session!.items.includes(item)) return;
        const r = await session!.grade(item);
        if (r.status !== 'passed') throw new ItemFailed(failureText(r));
      };
      test(testTitle(item), grade, item.timeout * 1000 + 30000);
    }
  });
}
