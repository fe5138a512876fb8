/**
 * The reference's samples for the transformer lab's handout (labs/transformer/README.md):
 * the trained char LM continuing a prompt at T = 0.01, 1 and 100, through the same code path
 * as `npm run generate` but with reference/transformer/ instead of labs/transformer/.
 *
 *   node -r ./graders/engine/host/register.cjs scripts/labs/transformer-samples.ts [--prompt TEXT] [--seed S] [--length N]
 */
import { parseArgs } from 'util';
import { sampleText } from '../generate';
import { loadReference } from './transformer-reference';
import { DEFAULT_WEIGHTS, readWeights } from './transformer-weights';

const TEMPERATURES = [0.01, 1, 100];

function main(): void {
  const { values } = parseArgs({ options: { prompt: { type: 'string' }, seed: { type: 'string' }, length: { type: 'string' }, weights: { type: 'string' } } });
  const weights = readWeights(values.weights ?? DEFAULT_WEIGHTS);
  const request = { prompt: values.prompt ?? 'To be or not to be', seed: Number(values.seed ?? 0), length: Number(values.length ?? 300) };
  const { generate } = loadReference();
  for (const temperature of TEMPERATURES) {
    const text = sampleText(generate, weights, { ...request, temperature });
    process.stdout.write(`T = ${temperature} (\`--temperature ${temperature}\`):\n\n\`\`\`text\n${text}\n\`\`\`\n\n`);
  }
}

main();
