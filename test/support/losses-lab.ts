/**
 * A small `losses` lab (MSE and BCE with logits, forward and backward), written the way the
 * README's "Adding a lab" section says, into a temporary copy of the harness: what a new lab
 * author writes, and the parts of the checkout the engine needs beside it. The authoring-check
 * tests break one file of it at a time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './paths';
import { tempDir } from './temp';

/** The files of the lab, by repository-relative path. */
export function lossesLab(): Record<string, string> {
  return {
    'labs/losses/README.md': '# Loss functions\n\nImplement `mseForward`, `mseBackward`, `bceWithLogitsForward` and `bceWithLogitsBackward` in `losses.ts`.\n',
    'labs/losses/losses.ts': `/** Loss functions: the mean squared error and binary cross-entropy with logits. */
import { Tensor, notImplemented } from '../common';

/** mean((y - t)^2) over every element; y, t: [N, D]. */
export function mseForward(y: Tensor, t: Tensor): number {
  return notImplemented('mseForward');
}

/** dL/dy for L = dloss * mse(y, t): [N, D]. */
export function mseBackward(y: Tensor, t: Tensor, dloss: number): Tensor {
  return notImplemented('mseBackward');
}

/** mean(softplus(z) - t z) over the batch, computed without overflow; logits, targets: [N]. */
export function bceWithLogitsForward(logits: Tensor, targets: Tensor): number {
  return notImplemented('bceWithLogitsForward');
}

/** dL/dlogits for L = dloss * bce(logits, targets): [N]. */
export function bceWithLogitsBackward(logits: Tensor, targets: Tensor, dloss: number): Tensor {
  return notImplemented('bceWithLogitsBackward');
}
`,
    'reference/losses/losses.ts': `/** Loss functions: the mean squared error and binary cross-entropy with logits. */
import { Tensor, tensor } from '../common';

/** mean((y - t)^2) over every element; y, t: [N, D]. */
export function mseForward(y: Tensor, t: Tensor): number {
  let s = 0;
  for (let i = 0; i < y.data.length; i++) s += (y.data[i] - t.data[i]) ** 2;
  return s / y.data.length;
}

/** dL/dy for L = dloss * mse(y, t): [N, D]. */
export function mseBackward(y: Tensor, t: Tensor, dloss: number): Tensor {
  const n = y.data.length;
  return tensor(y.shape, y.data.map((v, i) => (dloss * 2 * (v - t.data[i])) / n));
}

/** softplus(z) = log(1 + e^z), without overflow. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/** mean(softplus(z) - t z) over the batch, computed without overflow; logits, targets: [N]. */
export function bceWithLogitsForward(logits: Tensor, targets: Tensor): number {
  let s = 0;
  for (let i = 0; i < logits.data.length; i++) s += softplus(logits.data[i]) - targets.data[i] * logits.data[i];
  return s / logits.data.length;
}

/** dL/dlogits for L = dloss * bce(logits, targets): [N]. */
export function bceWithLogitsBackward(logits: Tensor, targets: Tensor, dloss: number): Tensor {
  const n = logits.data.length;
  return tensor(logits.shape, logits.data.map((z, i) => (dloss * (1 / (1 + Math.exp(-z)) - targets.data[i])) / n));
}
`,
    'graders/losses.ops.ts': `/** How the losses grader calls the lab: forward returns {loss}, backward the gradients named after the inputs. */
import type * as Losses from '../labs/losses/losses';
import { op, scalarOf } from './engine/kit';
import type { Ops } from './engine/kit';

type Lab = typeof Losses;

export const ops: Ops<Lab> = {
  mse: op({
    uses: { forward: ['mseForward'], backward: ['mseBackward'] },
    inputs: { y: { shape: ['N', 'D'] }, t: { shape: ['N', 'D'] } },
    upstream: ['loss'],
    forward: (lab, { y, t }) => ({ loss: lab.mseForward(y, t) }),
    backward: (lab, { y, t }, _p, { loss }) => ({ y: lab.mseBackward(y, t, scalarOf(loss)) }),
  }),
  bce_with_logits: op({
    uses: { forward: ['bceWithLogitsForward'], backward: ['bceWithLogitsBackward'] },
    inputs: { logits: { shape: ['N'], scale: 3 }, targets: { shape: ['N'], range: [0, 1] } },
    upstream: ['loss'],
    forward: (lab, { logits, targets }) => ({ loss: lab.bceWithLogitsForward(logits, targets) }),
    backward: (lab, { logits, targets }, _p, { loss }) => ({ logits: lab.bceWithLogitsBackward(logits, targets, scalarOf(loss)) }),
  }),
};
`,
    'rubrics/losses.yaml': `# Schema: graders/engine/core/rubric.ts. Ops: graders/losses.ops.ts.
lab: losses
title: Loss functions
files: [losses.ts]
defaults:
  timeout: 2

items:
  - id: mse.forward
    title: mean squared error
    points: 1
    op: mse
    check: forward
    cases: [{ seed: 1, params: { N: 4, D: 3 } }, { seed: 2, params: { N: 1, D: 7 } }]
    mutants: [mse-summed]
  - id: mse.backward
    title: mean squared error, gradient
    points: 2
    op: mse
    check: backward
    grads: [y]
    cases: [{ seed: 3, params: { N: 4, D: 3 } }]
    mutants: [mse-grad-missing-2]
  - id: bce.forward
    title: binary cross-entropy with logits, large logits included
    points: 1
    op: bce_with_logits
    check: forward
    cases: [{ seed: 4, params: { N: 6 } }, { fixture: large_logits }]
    mutants: [bce-naive-log-sigmoid]
  - id: bce.backward
    title: binary cross-entropy with logits, gradient
    points: 2
    op: bce_with_logits
    check: backward
    grads: [logits]
    cases: [{ seed: 6, params: { N: 6 } }]
    mutants: [bce-grad-sign]
  - id: hidden.bce.backward
    title: binary cross-entropy with logits, gradient (more cases)
    points: 1
    op: bce_with_logits
    check: backward
    visibility: hidden
    cases: [{ seed: 7, params: { N: 9 } }]
    mutants: [bce-grad-sign]
`,
    'fixtures/cases/losses.yaml': `# Named inputs for the losses rubric. Tensors are nested lists (float) or {shape, data}.
large_logits:
  description: logits whose exp overflows
  inputs:
    logits: [800, -800, 3, 0.5, -2]
    targets: [1, 0, 0.25, 1, 0]
`,
    'fixtures/mutants/losses/mse-summed.yaml': `title: the squared errors summed, not averaged
diagnosis: "Your MSE is the sum of the squared errors: divide by the number of elements."
file: losses.ts
patch:
  - find: "return s / y.data.length;"
    replace: "return s;"
loses: [mse.forward]
`,
    'fixtures/mutants/losses/mse-grad-missing-2.yaml': `title: the MSE gradient without the factor 2
diagnosis: "The derivative of (y - t)^2 is 2 (y - t): your gradient misses the 2."
file: losses.ts
patch:
  - find: "(dloss * 2 * (v - t.data[i])) / n"
    replace: "(dloss * (v - t.data[i])) / n"
loses: [mse.backward]
`,
    'fixtures/mutants/losses/bce-naive-log-sigmoid.yaml': `title: BCE as -log(sigmoid), which overflows
diagnosis: "log(1 + e^z) overflows for large z: write it as max(z, 0) + log1p(e^-|z|)."
file: losses.ts
patch:
  - find: "return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));"
    replace: "return Math.log(1 + Math.exp(z));"
loses: [bce.forward]
`,
    'fixtures/mutants/losses/bce-grad-sign.yaml': `title: the BCE gradient with its sign flipped
diagnosis: "dL/dz is sigmoid(z) - t, not t - sigmoid(z)."
file: losses.ts
patch:
  - find: "(1 / (1 + Math.exp(-z)) - targets.data[i])"
    replace: "(targets.data[i] - 1 / (1 + Math.exp(-z)))"
loses: [bce.backward, hidden.bce.backward]
`,
    'graders/losses.test.ts': "// The losses grader: one Jest test per item of rubrics/losses.yaml.\nimport { defineGrader } from './engine/jest/lab-tests';\n\ndefineGrader('losses');\n",
    'test/labs/losses.test.ts': "import { labSuite } from '../support/lab-suite';\n\nlabSuite('losses', { minMutants: 3 });\n",
  };
}

/** The parts of the checkout a lab needs around it: the engine (graders/), the labs' common code, the CLI, the test support and configuration. */
const HARNESS_PARTS = ['graders', 'labs/common', 'scripts', 'test/support', 'package.json', 'tsconfig.json', 'tsconfig.jest.json', 'jest.config.js'];

/**
 * A temporary copy of the harness without its labs' reference, rubrics or mutants, with
 * node_modules linked entry by entry (so that the copy's caches stay its own).
 */
export function harnessCopy(prefix: string): string {
  const dir = tempDir(`test-${prefix}`);
  for (const part of HARNESS_PARTS) fs.cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules'));
  for (const entry of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
    if (entry !== '.cache') fs.symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(dir, 'node_modules', entry));
  }
  for (const f of fs.readdirSync(path.join(dir, 'graders'))) {
    if (/^[a-z0-9-]+\.(ops|inputs|test)\.ts$/.test(f)) fs.rmSync(path.join(dir, 'graders', f)); // the other labs' glue
  }
  return dir;
}

/** Writes files (repository-relative paths) into `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}
