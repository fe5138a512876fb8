/** Student submissions made for a test from the reference, with a mistake or two put in. */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './paths';
import { tempDir } from './temp';

const ACTIVATIONS = fs.readFileSync(path.join(ROOT, 'reference', 'activations', 'activations.ts'), 'utf8');

/** A submission folder whose activations.ts is the reference with some text replaced (each must be there). */
export function activationsSubmission(replacements: Array<[string, string]>): string {
  const dir = tempDir('sub');
  let text = ACTIVATIONS;
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`the reference has no ${JSON.stringify(from)} to replace`);
    text = text.replace(from, to);
  }
  fs.mkdirSync(path.join(dir, 'labs', 'activations'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'labs', 'activations', 'activations.ts'), text);
  return dir;
}
