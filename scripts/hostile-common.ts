/**
 * Hostile code in a helper every lab calls, for the benchmark and the budget tests:
 * labs/common/tensor.ts whose `tensor` (behind zeros and every new tensor) runs `body` once the
 * labs have loaded (so loading still works, and every later call that makes a tensor runs it).
 */
import * as fs from 'fs';
import * as path from 'path';

const TENSOR = path.resolve(__dirname, '..', 'labs', 'common', 'tensor.ts');

export function hostileCommonTensor(body: string): string {
  const text = fs.readFileSync(TENSOR, 'utf8');
  const hostile = text.replace(/(export function tensor\([^)]*\): Tensor \{)/, `$1\n  if ((globalThis as { __loaded?: boolean }).__loaded) {\n    ${body}\n  }`);
  if (hostile === text) throw new Error(`${TENSOR} has no \`export function tensor(...): Tensor {\` to make hostile`);
  return `${hostile}\n(globalThis as { __loaded?: boolean }).__loaded = true;\n`;
}
