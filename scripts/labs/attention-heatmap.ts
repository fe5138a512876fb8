/**
 * The attention handout's pictures: the reference's weights, drawn with the feedback's own
 * heat-map renderer, for the example case of the rubric (the first case of the item with a
 * figure, sdpa.forward) and for the first causal case (sdpa.forward.masked). The weights are
 * the grader's expected values (the reference run on the rubric's cases), so the handout shows
 * exactly what the feedback compares with. Writes labs/attention/weights.svg and
 * labs/attention/weights-causal.svg. And Part 5's picture: the reference decoder, with the
 * shipped translator weights, translating one date (labs/attention/translation.svg, drawn by
 * `npm run translate`, whose output it prints for the handout).
 *
 *     node -r ./graders/engine/host/register.cjs scripts/labs/attention-heatmap.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import { ExpectedBundle, expectedFor } from '../../graders/engine/core/expected';
import { heatmapSvg, lastTwoAxes } from '../../graders/emit/figures';
import { loadLab } from '../../graders/engine/core/labs';
import { isTensor } from '../../graders/engine/core/values';
import { main as translate } from '../translate';
import { loadReference } from './attention-reference';

const ROOT = path.resolve(__dirname, '..', '..');

/** The reference's weights for the first case of a rubric item, as an SVG heat map. */
function referenceHeatmap(expected: ExpectedBundle, itemId: string, title: string): string {
  const item = loadLab(ROOT, 'attention').rubric.items.find((it) => it.id === itemId);
  const first = expected.items[itemId]?.cases[0];
  if (!item || !first) throw new Error(`rubrics/attention.yaml has no item ${itemId} with a case`);
  const weights = first.outputs.weights;
  const matrix = isTensor(weights) ? lastTwoAxes(weights) : undefined;
  if (!matrix) throw new Error(`the weights of ${itemId} are not a matrix`);
  return heatmapSvg([{ title: 'reference, batch element 0', matrix }], {
    title: `${title} (${first.label})`,
    rows: item.figure?.rows ?? 'query position',
    columns: item.figure?.columns ?? 'key position',
  });
}

async function main(): Promise<void> {
  const expected = await expectedFor(ROOT, loadLab(ROOT, 'attention'));
  const out = path.join(ROOT, 'labs', 'attention');
  const figures: Array<[file: string, item: string, title: string]> = [
    ['weights.svg', 'sdpa.forward', 'attention weights'],
    ['weights-causal.svg', 'sdpa.forward.masked', 'attention weights'],
  ];
  for (const [file, item, title] of figures) {
    fs.writeFileSync(path.join(out, file), referenceHeatmap(expected, item, title) + '\n');
    process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(out, file))}\n`);
  }
  const write = (s: string) => process.stdout.write(s);
  const code = translate([TRANSLATED, '--svg', path.join(out, 'translation.svg')], { out: write, err: write, lab: loadReference(), whose: 'the reference decoder' });
  if (code !== 0) throw new Error(`translating "${TRANSLATED}" failed (exit code ${code})`);
}

/** The date of the handout's translation picture. */
const TRANSLATED = 'Thursday, April 4, 2024';

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exitCode = 1;
});
