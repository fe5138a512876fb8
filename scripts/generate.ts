/**
 * Prints text sampled from the transformer lab's character-level language model: YOUR model
 * code (labs/transformer/ of this checkout: charLmForward, softmaxWithTemperature,
 * sampleFromProbs, generate) with the weights the reference trained on a Shakespeare excerpt
 * (fixtures/char-lm/weights.json, made by scripts/labs/transformer-train.ts).
 *
 *   npm run generate -- --prompt "To be or not to be" --temperature 1 [--seed S] [--length N]
 *
 * The random numbers come from a seeded generator, so the same seed prints the same text.
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { Rng } from '../labs/common';
import type * as Sampling from '../labs/transformer/sampling';
import { CharLmWeights, DEFAULT_WEIGHTS, readWeights } from './labs/transformer-weights';

const HELP = `npm run generate -- [options]

Samples text from the char LM in labs/transformer/ (your code) with the trained weights.

Options:
  --prompt TEXT        the text to continue (default "To be or not to be")
  --temperature T      softmax(logits / T): near 0 the likeliest text, 1 the model's own
                       distribution, 100 noise (default 1)
  --seed S             seed of the uniform draws: the same seed gives the same text (default 0)
  --length N           characters to generate (default 300)
  --weights FILE       trained weights (default fixtures/char-lm/weights.json)
  -h, --help           show this help

Exit codes: 0 printed the text, 1 the lab code failed, 2 bad usage.`;

export interface SampleRequest {
  prompt: string;
  temperature: number;
  seed: number;
  length: number;
}

/** A mistake in how the script was called: exit code 2. */
class UsageError extends Error {}

/** The prompt as token ids; every character must be in the model's vocabulary. */
function encode(text: string, vocab: string): Int32Array {
  const unknown = [...new Set([...text].filter((ch) => !vocab.includes(ch)))];
  if (unknown.length) {
    throw new UsageError(`--prompt: the model has never seen ${unknown.map((ch) => JSON.stringify(ch)).join(', ')}; it knows ${JSON.stringify(vocab)}`);
  }
  return Int32Array.from(text, (ch) => vocab.indexOf(ch));
}

/** The prompt and `length` characters after it, sampled with `generate` (a lab's, or the reference's). */
export function sampleText(generate: typeof Sampling.generate, weights: CharLmWeights, request: SampleRequest): string {
  const prompt = encode(request.prompt, weights.vocab);
  const rng = new Rng(request.seed);
  const uniforms = { shape: [request.length], data: Float64Array.from({ length: request.length }, () => rng.uniform()) };
  const tokens = generate(weights.params, { shape: [prompt.length], data: prompt }, uniforms, {
    numHeads: weights.config.num_heads,
    temperature: request.temperature,
    contextLength: weights.config.context_length,
  });
  if (!tokens || !tokens.data || tokens.data.length !== request.length) {
    throw new Error(`generate returned ${tokens?.data?.length ?? 'no'} tokens; ${request.length} were asked for (one per uniform draw)`);
  }
  const text = Array.from(tokens.data, (id) => {
    if (!(id >= 0 && id < weights.vocab.length)) throw new Error(`generate returned token ${id}, outside the vocabulary 0 .. ${weights.vocab.length - 1}`);
    return weights.vocab[id];
  });
  return request.prompt + text.join('');
}

function numberOption(values: Record<string, unknown>, name: string, fallback: number, check: (n: number) => boolean, what: string): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${what}, not "${String(raw)}"`);
  return n;
}

function readRequest(argv: string[]): (SampleRequest & { weights: string }) | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        prompt: { type: 'string' },
        temperature: { type: 'string' },
        seed: { type: 'string' },
        length: { type: 'string' },
        weights: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
  if (values.help) return 'help';
  const prompt = values.prompt ?? 'To be or not to be';
  if (prompt.length === 0) throw new UsageError('--prompt must have at least one character');
  return {
    prompt,
    temperature: numberOption(values, 'temperature', 1, (t) => t > 0, 'a number > 0'),
    seed: numberOption(values, 'seed', 0, (s) => Number.isInteger(s) && s >= 0, 'an integer >= 0'),
    length: numberOption(values, 'length', 300, (n) => Number.isInteger(n) && n >= 1 && n <= 100000, 'an integer from 1 to 100000'),
    weights: path.resolve(values.weights ?? DEFAULT_WEIGHTS),
  };
}

/** Where an error came from in the lab's code: " (labs/transformer/sampling.ts:12:9)". */
function labFrame(e: Error): string {
  const m = /(labs[\\/]transformer[\\/][^\s:()]+:\d+:\d+)/.exec(e.stack ?? '');
  return m ? ` (at ${m[1]})` : '';
}

export function main(argv: string[]): number {
  try {
    const request = readRequest(argv);
    if (request === 'help') {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    let weights: CharLmWeights;
    try {
      weights = readWeights(request.weights);
    } catch (e) {
      throw new UsageError(`--weights: ${(e as Error).message}`);
    }
    let lab: typeof Sampling;
    try {
      lab = require('../labs/transformer/sampling') as typeof Sampling;
    } catch (e) {
      process.stderr.write(`generate: cannot load labs/transformer/sampling.ts: ${(e as Error).message}\n`);
      return 1;
    }
    process.stdout.write(sampleText(lab.generate, weights, request) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`generate: ${e.message}\n(npm run generate -- --help shows the options)\n`);
      return 2;
    }
    const err = e as Error;
    if (err?.name === 'NotImplementedError') {
      process.stderr.write(`generate: your lab is not finished: ${err.message}${labFrame(err)}.\nImplement the char LM and the sampler in labs/transformer/ first (npx gradecheck grade --labs transformer).\n`);
      return 1;
    }
    process.stderr.write(`generate: your model code failed: ${err?.name ?? 'Error'}: ${err?.message ?? String(e)}${labFrame(err)}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
