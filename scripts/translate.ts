/**
 * Translates dates written in words into ISO dates with the attention lab's translator: the
 * given encoder and YOUR decoder (labs/attention/decoder.ts of this checkout: your greedy
 * decoding, and with --train your loss gradients too), and draws where it looked.
 *
 *   npm run translate -- "April 4, 2024" ["4 April 2024" ...] [--train] [--svg FILE]
 *
 * By default the decoder runs with the weights the reference trained
 * (labs/attention/provided/translator-weights.json). With --train your code trains a fresh
 * decoder first: the grader's run of item translate.held_out (the given encoder, 200 Adam
 * steps), a few seconds. The attention weights of the first sentence are written as an SVG
 * heat map (open it in a browser; hover over a cell for its value).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { heatmapSvg } from '../graders/emit/figures';
import { loadLab } from '../graders/engine/core/labs';
import type * as Decoder from '../labs/attention/decoder';
import { SOURCE_VOCAB, TARGET_LENGTH, encodeSources } from '../labs/attention/provided/dates';
import { TrainOptions, Translation, Translator, givenTranslator } from '../labs/attention/provided/translator';

const ROOT = path.resolve(__dirname, '..');

const HELP = `npm run translate -- "April 4, 2024" ["4 April 2024" ...] [options]

Translates dates in words into ISO dates with the translator of labs/attention/ (the given
encoder, your decoder) and writes the attention weights of the first one as an SVG heat map.
Formats: "April 4, 2024", "4 April 2024", "Thursday, April 4, 2024" (1950 to 2049).

Options:
  --train        train your decoder first, as the grader's item translate.held_out does
                 (your loss gradients, 200 Adam steps), instead of the reference's weights
  --svg FILE     where to write the heat map (default translation.svg)
  -h, --help     show this help

Exit codes: 0 translated, 1 the lab code failed, 2 bad usage.`;

/** A mistake in how the script was called: exit code 2. */
class UsageError extends Error {}

/** The grader's training run: the options of rubric item translate.held_out. */
export function graderTraining(root = ROOT): TrainOptions {
  const item = loadLab(root, 'attention').rubric.items.find((it) => it.id === 'translate.held_out');
  const params = item?.cases[0]?.params;
  if (!params) throw new Error('rubrics/attention.yaml has no item translate.held_out with training options');
  return params as unknown as TrainOptions;
}

/** Checks the sentences against the source vocabulary, with a message that says what is allowed. */
function checkSentences(texts: string[]): void {
  if (texts.length === 0) throw new UsageError('give a date in words, e.g. npm run translate -- "April 4, 2024"');
  for (const text of texts) {
    if (text.length === 0) throw new UsageError('an empty sentence has nothing to translate');
    const unknown = [...new Set([...text].filter((ch) => SOURCE_VOCAB.indexOf(ch) <= 0))];
    if (unknown.length) {
      throw new UsageError(`"${text}": the translator has never seen ${unknown.map((ch) => JSON.stringify(ch)).join(', ')}; it reads ${JSON.stringify(SOURCE_VOCAB.slice(1))}`);
    }
  }
}

/** The weights of one sentence's translation: [10 output characters][its source characters]. */
export function sentenceWeights(t: Translation, sentence: number, length: number): number[][] {
  const [, steps, S] = t.weights.shape;
  return Array.from({ length: steps }, (_, i) => Array.from({ length }, (_, j) => t.weights.data[(sentence * steps + i) * S + j]));
}

/**
 * The heat map of one translation, rows the ISO characters written and columns the source
 * characters read. heatmapSvg numbers its rows and columns; here they are relabelled with the
 * characters (its tick labels are the only texts that are a bare number).
 */
export function translationHeatmap(text: string, iso: string, weights: number[][], title: string): string {
  const svg = heatmapSvg([{ title: `"${text}" -> ${iso}`, matrix: weights }], { title, rows: 'character written', columns: 'character read', min: 0, max: 1 });
  const label = (ch: string | undefined, i: string) => (ch === undefined ? i : ch === ' ' ? '␣' : ch); // the vocabularies hold no XML character
  return svg
    .replace(/(<text [^>]*text-anchor="middle">)(\d+)(<\/text>)/g, (_m, open: string, i: string, close: string) => `${open}${label(text[Number(i)], i)}${close}`)
    .replace(/(<text [^>]*text-anchor="end">)(\d+)(<\/text>)/g, (_m, open: string, i: string, close: string) => `${open}${label(iso[Number(i)], i)}${close}`);
}

/** One line per written character: the source with the character it looked at most in brackets. */
export function lookedAt(text: string, iso: string, weights: number[][]): string[] {
  return weights.map((row, i) => {
    const j = row.indexOf(Math.max(...row));
    return `  ${iso[i] ?? '?'}  ${text.slice(0, j)}[${text[j]}]${text.slice(j + 1)}  ${row[j].toFixed(2)}`;
  });
}

function readArgs(argv: string[]): { texts: string[]; train: boolean; svg: string } | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { train: { type: 'boolean' }, svg: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
  if (parsed.values.help) return 'help';
  checkSentences(parsed.positionals);
  const svg = parsed.values.svg ?? 'translation.svg';
  if (!svg.endsWith('.svg')) throw new UsageError(`--svg ${svg}: the heat map is an SVG file; give a name ending in .svg`);
  return { texts: parsed.positionals, train: parsed.values.train ?? false, svg: path.resolve(svg) };
}

/** Where an error came from in the lab's code: " (at labs/attention/decoder.ts:12:9)". */
function labFrame(e: Error): string {
  const m = /(labs[\\/]attention[\\/][^\s:()]+:\d+:\d+)/.exec(e.stack ?? '');
  return m ? ` (at ${m[1]})` : '';
}

export interface TranslateIo {
  out(text: string): void;
  err(text: string): void;
  /** The decoder module (default: labs/attention/decoder.ts of this checkout). */
  lab?: typeof Decoder;
  /** Whose decoder it is, in the heat map's title (default "your decoder"). */
  whose?: string;
}

const STDIO: TranslateIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export function main(argv: string[], io: TranslateIo = STDIO): number {
  const { out, err } = io;
  try {
    const args = readArgs(argv);
    if (args === 'help') {
      out(HELP + '\n');
      return 0;
    }
    let lab: typeof Decoder;
    try {
      lab = io.lab ?? (require('../labs/attention/decoder') as typeof Decoder);
    } catch (e) {
      err(`translate: cannot load labs/attention/decoder.ts: ${(e as Error).message}\n`);
      return 1;
    }
    let model: Translator<Decoder.AttnDecoderParams> = givenTranslator();
    if (args.train) {
      const options = graderTraining();
      const started = Date.now();
      // Where the training is, every 50 steps (a slow decoder takes minutes).
      const onProgress = (done: number, steps: number) => {
        if (done > 0 && (done % 50 === 0 || done === steps)) err(`training: step ${done} of ${steps} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      };
      model = lab.trainTranslator({ ...options, onProgress });
      out(`trained your decoder: ${options.steps} steps of ${options.batchSize} dates in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }
    const { src, mask } = encodeSources(args.texts);
    const t = lab.translateSentences(model, src, mask);
    if (!t.weights || !t.weights.data || t.weights.data.length !== args.texts.length * TARGET_LENGTH * src.shape[1]) {
      throw new Error(`attnDecoderGreedy returned weights of shape [${t.weights?.shape?.join(', ') ?? ''}]; expected [${args.texts.length}, ${TARGET_LENGTH}, ${src.shape[1]}]`);
    }
    args.texts.forEach((text, i) => out(`${text}  ->  ${t.texts[i]}\n`));
    const weights = sentenceWeights(t, 0, args.texts[0].length);
    const decoder = io.whose ?? 'your decoder';
    out(`\nwhere ${decoder} looked while writing "${t.texts[0]}" (the source character of largest weight, and its weight):\n`);
    out(lookedAt(args.texts[0], t.texts[0], weights).join('\n') + '\n');
    const whose = args.train ? `${decoder}, trained by its own code` : `${decoder}, the reference's weights`;
    fs.writeFileSync(args.svg, translationHeatmap(args.texts[0], t.texts[0], weights, `attention weights (${whose})`) + '\n');
    out(`\nwrote ${path.relative(process.cwd(), args.svg)}: the attention weights, one row per character written\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`translate: ${e.message}\n(npm run translate -- --help shows the options)\n`);
      return 2;
    }
    const error = e as Error;
    if (error?.name === 'NotImplementedError') {
      err(`translate: your lab is not finished: ${error.message}${labFrame(error)}.\nImplement Part 5 in labs/attention/decoder.ts first: the graders say what is missing.\n`);
      return 1;
    }
    err(`translate: your decoder failed: ${error?.name ?? 'Error'}: ${error?.message ?? String(e)}${labFrame(error)}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
