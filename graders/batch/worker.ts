/**
 * A batch worker: grades one submission at a time for the batch's parent process, which
 * sends `{ type: 'grade', id, submission, config }` and receives `{ type: 'graded', id,
 * outcome }` (or `{ type: 'failed', id, message }` for a harness error). Student code never
 * runs here: the engine starts a student process (sandboxed) for each lab, so student code
 * can neither write this process's IPC channel nor the results.
 *
 * Labs and expected values are loaded once per worker and kept (both are memoised per process).
 *
 * The worker leads its own process group (the parent starts it detached): when the parent
 * goes away, it ends the whole group, its student processes included.
 */
import { GradeConfig, gradeStudent } from './grade-student';
import type { Submission } from './intake';

interface GradeRequest {
  type: 'grade';
  id: number;
  submission: Submission;
  config: GradeConfig;
}

function send(msg: Record<string, unknown>): void {
  process.send?.(msg);
}

process.on('message', (msg: GradeRequest) => {
  if (msg.type !== 'grade') return;
  gradeStudent(msg.submission, msg.config).then(
    (outcome) => send({ type: 'graded', id: msg.id, outcome }),
    (err: Error) => send({ type: 'failed', id: msg.id, message: err?.stack ?? String(err) }),
  );
});

process.on('disconnect', () => {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.exit(1);
  }
});

send({ type: 'ready' });
