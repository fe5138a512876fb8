import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expectedFor } from '../../graders/engine/core/expected';
import { loadLab } from '../../graders/engine/core/labs';
import { Rng } from '../../labs/common/rng';
import { DAYS, FORMATS, SOURCE_VOCAB, decodeTargets, drawDates, isHeldOut, isoDate, makeBatch, writeDate } from '../../labs/attention/provided/dates';
import { givenTranslator, train } from '../../labs/attention/provided/translator';
import { isoOfSentence } from '../../graders/attention.inputs';
import { main as translate } from '../../scripts/translate';
import { labSuite } from '../support/lab-suite';
import { ROOT } from '../support/paths';

labSuite('attention', { minMutants: 23 });

/**
 * Runs `code` in a Node process that can load the reference (reference/attention/ laid over
 * labs/attention/, as scripts/labs/attention-reference.ts teaches Node, not Jest), with
 * `reference` bound to it; returns what it printed.
 */
function withReference(code: string): string {
  const prelude = "require('./graders/engine/host/register.cjs'); const reference = require('./scripts/labs/attention-reference.ts').loadReference();";
  return execFileSync(process.execPath, ['-e', `${prelude}\n${code}`], { cwd: ROOT, encoding: 'utf8' });
}

let sentences: Map<string, number> | undefined;

/** Every sentence of the task, to the day it writes. */
function dayOf(): Map<string, number> {
  if (!sentences) {
    sentences = new Map<string, number>();
    for (let day = 0; day < DAYS; day++) for (let format = 0; format < FORMATS.length; format++) sentences.set(writeDate({ day, format }), day);
  }
  return sentences;
}

describe('the attention lab, the dates task', () => {
  test('dates are written as the calendar says, in three formats, and their ISO form has ten characters', () => {
    const day = dayOf().get('Thursday, April 4, 2024')!;
    expect(writeDate({ day, format: 0 })).toBe('April 4, 2024');
    expect(writeDate({ day, format: 1 })).toBe('4 April 2024');
    expect(isoDate(day)).toBe('2024-04-04');
    expect(isoDate(dayOf().get('29 February 2000')!)).toBe('2000-02-29');
    expect(dayOf().has('29 February 1900')).toBe(false);
    expect(() => writeDate({ day, format: 3 })).toThrow(/no format 3/);
  });

  test('training batches never hold a held-out day, held-out ones only them, and every weekday is trained on', () => {
    const rng = new Rng(5);
    const train = drawDates(rng, 3000, { heldOut: false });
    expect(train.filter((d) => isHeldOut(d.day))).toEqual([]);
    expect(drawDates(rng, 300, { heldOut: true }).every((d) => isHeldOut(d.day))).toBe(true);
    const weekdays = new Set(train.filter((d) => d.format === 2).map((d) => writeDate(d).split(',')[0]));
    expect(weekdays.size).toBe(7);
  });

  test('a sentence with a character the translator cannot read is refused with the characters it reads', () => {
    const err: string[] = [];
    expect(translate(['04/04/2024'], { out: () => {}, err: (s) => err.push(s) })).toBe(2);
    expect(err.join('')).toContain(`"04/04/2024": the translator has never seen "/"; it reads ${JSON.stringify(SOURCE_VOCAB.slice(1))}`);
  });
});

// translate.held_out bounds exact_match, which the op's evaluate computes in the grader from
// the tokens the lab returned and the dates it reads from the sentences itself.
describe('the attention lab, translating held-out dates (translate.held_out)', () => {
  const lab = loadLab(ROOT, 'attention');
  const item = lab.rubric.items.find((it) => it.id === 'translate.held_out')!;

  test('the grader reads the date of every sentence of the task as the calendar writes it', () => {
    const misread: string[] = [];
    for (let day = 0; day < DAYS; day++) {
      for (let format = 0; format < FORMATS.length; format++) {
        const sentence = writeDate({ day, format });
        if (isoOfSentence(sentence) !== isoDate(day)) misread.push(`${sentence}: ${isoOfSentence(sentence)}`);
      }
    }
    expect(misread).toEqual([]);
    expect(() => isoOfSentence('April, 2024')).toThrow(/is not a date of the task/);
  });

  test('the lab gets 20 held-out sentences in each format and no date; exact_match is the share of translations equal to the true date', async () => {
    expect(item.bounds).toEqual({ exact_match: { min: expect.any(Number) } });
    const [e] = (await expectedFor(ROOT, lab)).items[item.id].cases;
    expect(Object.keys(e.inputs).sort()).toEqual(['mask', 'src']);
    const src = e.inputs.src as { shape: number[]; data: Int32Array };
    const mask = e.inputs.mask as { data: Uint8Array };
    const [N, S] = src.shape;
    const texts = Array.from({ length: N }, (_, n) => Array.from(src.data.subarray(n * S, (n + 1) * S), (id, j) => (mask.data[n * S + j] ? '' : SOURCE_VOCAB[id])).join(''));
    const days = texts.map((t) => dayOf().get(t)!);
    expect(days.every((d) => d !== undefined && isHeldOut(d))).toBe(true);
    const formatOf = texts.map((t, n) => FORMATS.findIndex((_, f) => writeDate({ day: days[n], format: f }) === t));
    expect(FORMATS.map((_, f) => formatOf.filter((x) => x === f).length)).toEqual([20, 20, 20]);

    // The reference's answer, evaluated by the grader, against the dates module.
    const tokens = e.outputs.tokens as { shape: number[]; data: Int32Array };
    const truth = days.map(isoDate);
    const right = (t: { shape: number[]; data: Int32Array }) => decodeTargets(t).filter((x, n) => x === truth[n]).length;
    expect(e.outputs.exact_match).toBe(right(tokens) / N);
    // One translation made wrong is one fewer exact match.
    const wrong = { shape: tokens.shape, data: Int32Array.from(tokens.data) };
    const n = decodeTargets(tokens).findIndex((x, k) => x === truth[k]);
    wrong.data[n * 10 + 9] = (wrong.data[n * 10 + 9] % 10) + 1; // the last digit, another digit (ids 1 .. 10 are '0' .. '9')
    expect(lab.ops[item.op].evaluate!({ tokens: wrong }, e.inputs, e.params)).toEqual({ exact_match: (right(tokens) - 1) / N });
    expect(() => lab.ops[item.op].evaluate!({ tokens: { shape: [N, 9], data: new Int32Array(N * 9) } }, e.inputs, e.params)).toThrow(/tokens of shape \[60, 10\]/);
  });

  test('the shipped translator translates 90 other held-out days exactly', () => {
    const batch = makeBatch(drawDates(new Rng(99), 90, { heldOut: true }));
    const texts = withReference(`
      const { encodeSources } = require('./labs/attention/provided/dates.ts');
      const { givenTranslator } = require('./labs/attention/provided/translator.ts');
      const { src, mask } = encodeSources(${JSON.stringify(batch.texts)});
      process.stdout.write(JSON.stringify(reference.translateSentences(givenTranslator(), src, mask).texts));`);
    expect(JSON.parse(texts)).toEqual(batch.isos);
  });

  test('the trainer says which gradient a loss backward failed to return', () => {
    const loss = { loss: () => ({ loss: 0 }), lossBackward: () => ({ grads: {}, dEnc: { shape: [], data: new Float64Array() }, dh0: { shape: [], data: new Float64Array() } }) };
    expect(() => train(loss as never, { ...givenTranslator().config, steps: 1, batchSize: 2, learningRate: 0.01, seed: 1 })).toThrow('attnDecoderLossBackward returned no gradient "emb"');
  });
});

describe('npm run translate', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'translate-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('prints the translation and where the decoder looked, and draws the weights with the characters as labels', () => {
    const svg = path.join(dir, 'weights.svg');
    const args = JSON.stringify(['Thursday, April 4, 2024', '17 May 1999', '--svg', svg]);
    const text = withReference(`
      const write = (s) => process.stdout.write(s);
      const code = require('./scripts/translate.ts').main(${args}, { out: write, err: write, lab: reference });
      write('exit ' + code + '\\n');`);
    expect(text).toContain('exit 0');
    expect(text).toContain('Thursday, April 4, 2024  ->  2024-04-04');
    expect(text).toContain('17 May 1999  ->  1999-05-17');
    // one line per character written: the character, then the source with the one it looked at most in brackets
    expect(text.split('\n').filter((l) => /^ {2}[0-9-] {2}.*\[.\].* \d\.\d\d$/.test(l))).toHaveLength(10);
    const picture = fs.readFileSync(svg, 'utf8');
    expect(picture).toMatch(/^<svg/);
    for (const ch of ['T', 'h', '␣', ',', '2']) expect(picture).toContain(`text-anchor="middle">${ch}</text>`);
    for (const ch of ['2', '0', '-']) expect(picture).toContain(`text-anchor="end">${ch}</text>`);
  });

  test('--train trains the decoder as the grader does, saying where the training is as it goes', () => {
    const text = withReference(`
      const out = (s) => process.stdout.write('out: ' + s);
      const err = (s) => process.stdout.write('err: ' + s);
      const code = require('./scripts/translate.ts').main(['17 May 1999', '--train', '--svg', ${JSON.stringify(path.join(dir, 'trained.svg'))}], { out, err, lab: reference });
      process.stdout.write('exit ' + code + '\\n');`);
    expect(text).toContain('exit 0');
    expect(text.split('\n').filter((l) => l.startsWith('err: training: step'))).toEqual([50, 100, 150, 200].map((n) => expect.stringMatching(new RegExp(`^err: training: step ${n} of 200 \\(\\d+\\.\\d s\\)$`))));
    expect(text).toMatch(/out: trained your decoder: 200 steps of 16 dates in \d+\.\d s/);
    expect(text).toContain('17 May 1999  ->  1999-05-17');
  });

  test('with the stub, it says what to implement and exits 1; without a date it is a usage error', () => {
    const err: string[] = [];
    expect(translate(['April 4, 2024', '--svg', path.join(dir, 'stub.svg')], { out: () => {}, err: (s) => err.push(s) })).toBe(1);
    expect(err.join('')).toMatch(/your lab is not finished: attnDecoderGreedy is not implemented yet.*\nImplement Part 5 in labs\/attention\/decoder.ts/);
    expect(fs.existsSync(path.join(dir, 'stub.svg'))).toBe(false);
    expect(translate([], { out: () => {}, err: () => {} })).toBe(2);
    expect(translate(['April 4, 2024', '--svg', 'weights.png'], { out: () => {}, err: () => {} })).toBe(2);
  });
});
