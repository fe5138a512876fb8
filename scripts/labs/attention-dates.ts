/**
 * The held-out dates of the attention lab's translation item, translate.held_out: the fixture
 * `held_out_dates` of fixtures/cases/attention.yaml, printed as YAML (paste it over the old
 * one). Source sentences only, as character ids and a padding mask: 20 held-out days in each
 * format. The grader gives the lab no ISO date; its `evaluate` reads each sentence's date
 * itself (graders/attention.ops.ts).
 *
 *   node -r ./graders/engine/host/register.cjs scripts/labs/attention-dates.ts
 */
import { Rng } from '../../labs/common';
import { FORMATS, drawDates, encodeSources, writeDate } from '../../labs/attention/provided/dates';

export const HELD_OUT_SEED = 16;
export const HELD_OUT_PER_FORMAT = 20;

/** The held-out sentences: `perFormat` held-out days in each format, in format order. */
export function heldOutSentences(perFormat = HELD_OUT_PER_FORMAT, seed = HELD_OUT_SEED): string[] {
  const rng = new Rng(seed);
  return FORMATS.flatMap((_, format) => drawDates(rng, perFormat, { heldOut: true, formats: [format] }).map(writeDate));
}

function main(): number {
  const texts = heldOutSentences();
  const { src, mask } = encodeSources(texts);
  const [N, S] = src.shape;
  const rows = (data: ArrayLike<number>, f: (x: number) => string) =>
    Array.from({ length: N }, (_, n) => Array.from({ length: S }, (_, j) => f(data[n * S + j])).join(', ')).join(',\n             ');
  const lines = [
    'held_out_dates:',
    '  description: >-',
    `    ${N} held-out days (no training batch holds them), ${N / FORMATS.length} in each format, made by`,
    `    scripts/labs/attention-dates.ts: ${texts.map((t) => JSON.stringify(t)).join(', ')}`,
    `  seed: ${HELD_OUT_SEED}`,
    '  inputs:',
    '    src:',
    `      shape: [${N}, ${S}]`,
    '      dtype: int',
    `      data: [${rows(src.data, String)}]`,
    '    mask:',
    `      shape: [${N}, ${S}]`,
    '      dtype: bool',
    `      data: [${rows(mask.data, (x) => (x ? 'true' : 'false'))}]`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

if (require.main === module) process.exitCode = main();
