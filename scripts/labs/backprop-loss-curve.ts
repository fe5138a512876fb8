/**
 * Prints the loss curve the backprop lab's reference gets on a training item of
 * rubrics/backprop.yaml (default: train.two_moons), for the handout: the loss and the training
 * accuracy every `--every` steps, as a Markdown table and a text plot.
 *
 *   node -r ./graders/engine/host/register.cjs scripts/labs/backprop-loss-curve.ts [--item ID] [--every N]
 *
 * It runs exactly what the grader runs: the item's first case, through graders/backprop.ops.ts,
 * on the reference (seen over labs/backprop/, as the grader sees it) in a student process.
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { concreteCase } from '../../graders/engine/core/cases';
import { referenceTree } from '../../graders/engine/authoring/expected-values';
import { StudentProcess } from '../../graders/engine/host/student-process';
import { loadLab } from '../../graders/engine/core/labs';
import { buildModules } from '../../graders/engine/host/modules';

const ROOT = path.resolve(__dirname, '..', '..');
const PLOT_ROWS = 12;

/** A text plot of `ys` against their index, one column per value, log scale on the y axis. */
function plot(ys: number[]): string {
  const logs = ys.map(Math.log10);
  const [lo, hi] = [Math.min(...logs), Math.max(...logs)];
  const rowOf = (v: number) => Math.round(((hi - v) / (hi - lo || 1)) * (PLOT_ROWS - 1));
  const rows = Array.from({ length: PLOT_ROWS }, () => Array<string>(ys.length).fill(' '));
  logs.forEach((v, i) => (rows[rowOf(v)][i] = '*'));
  return rows.map((r, k) => `${(10 ** (hi - (k * (hi - lo)) / (PLOT_ROWS - 1))).toFixed(3).padStart(6)} | ${r.join('')}`).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { item: { type: 'string', default: 'train.two_moons' }, every: { type: 'string', default: '25' } } });
  const every = Number(values.every);
  const lab = loadLab(ROOT, 'backprop');
  const item = lab.rubric.items.find((it) => it.id === values.item);
  if (!item || item.op !== 'train_classifier') throw new Error(`no training item "${values.item}" in rubrics/backprop.yaml`);
  const c = concreteCase(lab.ops[item.op], item.cases[0], lab.fixtures);
  const built = buildModules(ROOT, referenceTree(ROOT, 'backprop'), lab.files, lab.opsFile);
  const proc = new StudentProcess(built.modules, { sandbox: 'none', memoryMb: 1024 });
  try {
    const run = async (steps: number) => {
      const r = await proc.call({ op: item.op, stage: 'forward', inputs: c.inputs, params: { ...c.params, steps } }, 60000);
      if (!r.ok) throw new Error(r.failure.message);
      return r.value as { accuracy: number; losses: number[] };
    };
    const steps = c.params.steps as number;
    const { losses } = await run(steps);
    console.log(`${item.id}: ${JSON.stringify(c.params)}\n`);
    console.log('| step | loss | training accuracy |\n|---:|---:|---:|');
    // After k steps: the same seeded run stopped there (deterministic); the loss at step k is
    // the one computed before its update, so the last row needs one step more.
    const last = (await run(steps + 1)).losses[steps];
    for (let k = 0; k <= steps; k += every) {
      const { accuracy } = await run(k);
      console.log(`| ${k} | ${(k < steps ? losses[k] : last).toFixed(4)} | ${(100 * accuracy).toFixed(0)}% |`);
    }
    console.log(`\nloss before each step (log scale), one column per ${Math.max(1, Math.floor(steps / 60))} steps:\n`);
    const stride = Math.max(1, Math.floor(steps / 60));
    console.log(plot(losses.filter((_, i) => i % stride === 0)));
  } finally {
    await proc.close();
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
});
