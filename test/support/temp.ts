/**
 * Temporary folders for a test file, removed when the file's tests are done (a suite run used to
 * leave some 30 MB of them behind).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const made: string[] = [];

// Registered in the root block of each test file that loads this module (Jest loads it once per file).
if (typeof afterAll === 'function') {
  afterAll(() => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
}

/** A new folder under the system's temporary folder, named gradecheck-<prefix>-…, removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gradecheck-${prefix}-`));
  made.push(dir);
  return dir;
}
