/**
 * The recurrent-networks handout's tables for Part 5: what the reference gets on a sequence-task
 * item of rubrics/rnn.yaml (default task.rnn, the visible one; hidden.task.lstm is the other),
 * against two baselines that learn nothing, as Markdown. The handout has the output of
 *
 *   node -r ./graders/engine/host/register.cjs scripts/labs/rnn-task.ts --every 50
 *
 * Options: --item ID (default task.rnn), --every N (default 25).
 *
 * It runs exactly what the grader runs: the item's first case (the training part of the series
 * drawn by graders/rnn.inputs.ts), through the next_step op, on the reference (seen over
 * labs/rnn/, as the grader sees it) in a student process, and the grader's test loss of the
 * weights it returns, on the held-out part.
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { ConcreteCase, concreteCase } from '../../graders/engine/core/cases';
import { referenceTree } from '../../graders/engine/authoring/expected-values';
import { StudentProcess } from '../../graders/engine/host/student-process';
import { evaluated } from '../../graders/engine/core/expected';
import { loadLab } from '../../graders/engine/core/labs';
import { buildModules } from '../../graders/engine/host/modules';
import { nextStepSeries } from '../../graders/rnn.inputs';

const ROOT = path.resolve(__dirname, '..', '..');

/** Mean squared error of predicting y_t from x_t by `predict` on the test windows the lab uses (starts 0, T, 2T, ...). */
function baseline(c: ConcreteCase, predict: (x: number) => number): number {
  const T = c.params.window as number;
  const test = nextStepSeries(c.params as Parameters<typeof nextStepSeries>[0]).heldOut.data;
  let sum = 0;
  let count = 0;
  for (let s = 0; s + T + 1 <= test.length; s += T) {
    for (let t = 0; t < T; t++) {
      sum += (predict(test[s + t]) - test[s + t + 1]) ** 2;
      count++;
    }
  }
  return sum / count;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { item: { type: 'string', default: 'task.rnn' }, every: { type: 'string', default: '25' } } });
  const every = Number(values.every);
  const lab = loadLab(ROOT, 'rnn');
  const built = buildModules(ROOT, referenceTree(ROOT, 'rnn'), lab.files, lab.opsFile);
  const proc = new StudentProcess(built.modules, { sandbox: 'none', memoryMb: 1024 });
  try {
    for (const id of [values.item]) {
      const item = lab.rubric.items.find((it) => it.id === id);
      if (!item || item.op !== 'next_step') throw new Error(`no sequence-task item "${id}" in rubrics/rnn.yaml`);
      const c = concreteCase(lab.ops[item.op], item.cases[0], lab.fixtures);
      const started = Date.now();
      const r = await proc.call({ op: item.op, stage: 'forward', inputs: c.inputs, params: c.params }, 120000);
      if (!r.ok) throw new Error(r.failure.message);
      const seconds = (Date.now() - started) / 1000;
      const losses = Array.from((r.value.losses as { data: Float64Array }).data);
      const final = evaluated(lab.ops[item.op], r.value, c.inputs, c.params).final_loss as number;
      const steps = losses.length;
      console.log(`\n${id} (${c.params.cell}, threshold ${item.bounds?.final_loss?.max}): ${JSON.stringify(c.params)}, ${seconds.toFixed(1)} s\n`);
      console.log(`| SGD steps | training loss (mean of the last ${every}) |\n|---:|---:|`);
      for (let k = every; k <= steps; k += every) {
        const window = losses.slice(k - every, k);
        console.log(`| ${k} | ${(window.reduce((a, b) => a + b, 0) / window.length).toFixed(3)} |`);
      }
      console.log(`\n| on the held-out windows | test loss |\n|---|---:|`);
      console.log(`| predict 0 (the series' mean) | ${baseline(c, () => 0).toFixed(3)} |`);
      console.log(`| predict the last value (y_t = x_t) | ${baseline(c, (x) => x).toFixed(3)} |`);
      console.log(`| the reference's ${String(c.params.cell).toUpperCase()} after ${steps} steps | ${final.toFixed(3)} |`);
      const digits = (v: number) => v.toPrecision(6);
      console.log(`\nA run that draws exactly as the recipe says gets, to 6 digits: losses[0] = ${digits(losses[0])}, losses[${steps - 1}] = ${digits(losses[steps - 1])}, test loss = ${digits(final)}.`);
    }
  } finally {
    await proc.close();
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
});
