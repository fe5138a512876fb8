/**
 * Trains the attention lab's date translator with the reference decoder (float64, Adam,
 * seeded: the given encoder is trained too, from fresh weights) and writes the weights that
 * `npm run translate` runs and that the grader's training item starts its encoder from
 * (labs/attention/provided/translator-weights.json). Prints the loss and the exact-match
 * accuracy on held-out days, in every format.
 *
 *   node -r ./graders/engine/host/register.cjs scripts/labs/attention-train.ts [--steps N] [--hidden H] [--out FILE]
 *
 * Same options, same weights, bit for bit. A few minutes on one core.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { Rng } from '../../labs/common';
import { FORMATS, drawDates, makeBatch } from '../../labs/attention/provided/dates';
import { TrainOptions, TranslatorWeights, weightsToJson } from '../../labs/attention/provided/translator';
import { ReferenceDecoder, loadReference } from './attention-reference';

export const DEFAULT_WEIGHTS = path.resolve(__dirname, '..', '..', 'labs', 'attention', 'provided', 'translator-weights.json');

const OPTIONS: TrainOptions = { sourceEmbedding: 8, embedding: 8, hidden: 24, attention: 16, steps: 1200, batchSize: 32, learningRate: 0.02, seed: 2024, encoder: 'new', lossEvery: 100 };

/** Held-out days, `perFormat` in each format, drawn with `seed`: exact-match accuracy per format and overall. */
export function heldOutAccuracy(reference: ReferenceDecoder, model: Parameters<ReferenceDecoder['translateSentences']>[0], perFormat: number, seed: number): { overall: number; byFormat: number[]; wrong: string[] } {
  const rng = new Rng(seed);
  const byFormat: number[] = [];
  const wrong: string[] = [];
  let right = 0;
  FORMATS.forEach((_, format) => {
    const batch = makeBatch(drawDates(rng, perFormat, { heldOut: true, formats: [format] }));
    const out = reference.translateSentences(model, batch.src, batch.mask);
    let ok = 0;
    out.texts.forEach((text, i) => (text === batch.isos[i] ? ok++ : wrong.push(`${batch.texts[i]} -> ${text} (${batch.isos[i]})`)));
    byFormat.push(ok / perFormat);
    right += ok;
  });
  return { overall: right / (perFormat * FORMATS.length), byFormat, wrong };
}

function main(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { steps: { type: 'string' }, hidden: { type: 'string' }, out: { type: 'string' } }, strict: true });
  const options = { ...OPTIONS, steps: Number(values.steps ?? OPTIONS.steps), hidden: Number(values.hidden ?? OPTIONS.hidden) };
  const out = path.resolve(values.out ?? DEFAULT_WEIGHTS);
  const reference = loadReference();
  const started = Date.now();
  const model = reference.trainTranslator(options);
  const seconds = (Date.now() - started) / 1000;
  for (const [step, loss] of model.losses) process.stdout.write(`step ${step}: batch loss ${loss.toFixed(4)}\n`);
  const accuracy = heldOutAccuracy(reference, model, 200, 7);
  process.stdout.write(`held-out exact match: ${(100 * accuracy.overall).toFixed(1)}% (${accuracy.byFormat.map((a, f) => `"${FORMATS[f]}" ${(100 * a).toFixed(1)}%`).join(', ')}); ${seconds.toFixed(0)} s\n`);
  for (const w of accuracy.wrong) process.stdout.write(`  wrong: ${w}\n`);
  const weights: TranslatorWeights = {
    config: model.config,
    training: {
      script: 'scripts/labs/attention-train.ts',
      options,
      optimizer: 'Adam(beta1 0.9, beta2 0.999), learning rate decaying linearly to a tenth',
      final_batch_loss: model.losses[model.losses.length - 1]?.[1],
      held_out_exact_match: accuracy.overall,
      held_out_dates: 200 * FORMATS.length,
    },
    encoder: model.encoder,
    decoder: model.decoder,
  };
  fs.writeFileSync(out, JSON.stringify(weightsToJson(weights)) + '\n');
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
