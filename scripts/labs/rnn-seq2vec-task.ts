/**
 * The recurrent-networks handout's table for Part 7: the held-out accuracy the reference's GRU
 * classifier reaches on the spike-detection task of task.seq2vec, on the item's own held-out
 * sequences and on `--more` other ones, against baselines that do not remember, as Markdown.
 * The handout has the output of
 *
 *   node -r ./graders/engine/host/register.cjs scripts/labs/rnn-seq2vec-task.ts
 *
 * Options: --more N (default 1000) held-out sequences beyond the item's, seeds 100001 ...;
 * --seeds K (default 0) also trains with K other seeds (for the training set and the weights,
 * 1001 ... 1000 + K) and classifies 200 held-out sequences after each.
 *
 * It runs exactly what the grader runs: the item's seq2vec_task op (graders/rnn.ops.ts) on the
 * reference (seen over labs/rnn/, as the grader sees it) in a student process, one held-out
 * sequence per call, and compares each prediction with the label drawn on this side.
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { Rng } from '../../labs/common/rng';
import { concreteCase } from '../../graders/engine/core/cases';
import { referenceTree } from '../../graders/engine/authoring/expected-values';
import { StudentProcess } from '../../graders/engine/host/student-process';
import { loadLab } from '../../graders/engine/core/labs';
import { buildModules } from '../../graders/engine/host/modules';
import { spikeSequences } from '../../graders/rnn.ops';

const ROOT = path.resolve(__dirname, '..', '..');
const ITEM = 'task.seq2vec';

function percent(right: number, total: number): string {
  return `${right} of ${total} (${((100 * right) / total).toFixed(1)}%)`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { more: { type: 'string', default: '1000' }, seeds: { type: 'string', default: '0' } } });
  const more = Number(values.more);
  const lab = loadLab(ROOT, 'rnn');
  const item = lab.rubric.items.find((it) => it.id === ITEM);
  if (!item) throw new Error(`no item ${ITEM} in rubrics/rnn.yaml`);
  const built = buildModules(ROOT, referenceTree(ROOT, 'rnn'), lab.files, lab.opsFile);
  const proc = new StudentProcess(built.modules, { sandbox: 'none', memoryMb: 1024 });
  const params = item.cases[0].params as Record<string, number>;
  const T = params.T;
  const seeds = [...item.cases.map((c) => c.seed!), ...Array.from({ length: more }, (_, k) => 100001 + k)];
  const rows: Array<{ graded: boolean; label: number; right: boolean; lastInput: boolean }> = [];
  try {
    const started = Date.now();
    let trainSeconds = 0;
    for (const seed of seeds) {
      const c = concreteCase(lab.ops[item.op], { seed, params }, lab.fixtures);
      const callStarted = Date.now();
      const r = await proc.call({ op: item.op, stage: 'forward', inputs: c.inputs, params: c.params }, 120000);
      if (!r.ok) throw new Error(r.failure.message);
      if (rows.length === 0) trainSeconds = (Date.now() - callStarted) / 1000;
      const held = spikeSequences(new Rng(seed), 1, T);
      const label = held.labels.data[0];
      rows.push({ graded: rows.length < item.cases.length, label, right: r.value.prediction === label, lastInput: (held.x.data[T - 1] > 1.5 ? 1 : 0) === label });
    }
    const graded = rows.filter((r) => r.graded);
    const others = rows.filter((r) => !r.graded);
    const count = (rs: typeof rows, key: 'right' | 'lastInput') => rs.filter((r) => r[key]).length;
    console.log(`\n${ITEM}: ${JSON.stringify(params)}; training ${trainSeconds.toFixed(2)} s, all ${seeds.length} predictions ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    console.log('| classifier | the item\'s held-out sequences | other held-out sequences |\n|---|---:|---:|');
    const ones = (rs: typeof rows) => rs.filter((r) => r.label === 1).length;
    console.log(`| always 0 (no spike) | ${percent(graded.length - ones(graded), graded.length)} | ${percent(others.length - ones(others), others.length)} |`);
    console.log(`| the last input alone (a spike at t = T-1) | ${percent(count(graded, 'lastInput'), graded.length)} | ${percent(count(others, 'lastInput'), others.length)} |`);
    console.log(`| the reference's GRU after training | ${percent(count(graded, 'right'), graded.length)} | ${percent(count(others, 'right'), others.length)} |`);

    const runs = Number(values.seeds);
    if (runs > 0) {
      const accuracies: number[] = [];
      for (let k = 1; k <= runs; k++) {
        const other = { ...params, data_seed: 1000 + k, seed: 1000 + k };
        let right = 0;
        for (let j = 0; j < 200; j++) {
          const seed = 200001 + j;
          const c = concreteCase(lab.ops[item.op], { seed, params: other }, lab.fixtures);
          const r = await proc.call({ op: item.op, stage: 'forward', inputs: c.inputs, params: c.params }, 120000);
          if (!r.ok) throw new Error(r.failure.message);
          if (r.value.prediction === spikeSequences(new Rng(seed), 1, T).labels.data[0]) right++;
        }
        accuracies.push(right);
      }
      console.log(`\nwith ${runs} other seeds, held-out sequences right out of 200: ${accuracies.join(', ')} (worst ${Math.min(...accuracies)})`);
    }
  } finally {
    await proc.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
