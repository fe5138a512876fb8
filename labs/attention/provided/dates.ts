/**
 * Given code for Part 5 (not graded, no need to change it): the toy translation task. A date
 * written in words, in one of three formats, is translated into its ISO 8601 form:
 *
 *     "April 4, 2024"  |  "4 April 2024"  |  "Thursday, April 4, 2024"   ->   "2024-04-04"
 *
 * Both sides are read one character at a time. Source sentences are padded at the end to the
 * longest of their batch, with a mask that is true at the padding. Every ISO date has ten
 * characters, so the decoder needs no end token: it writes exactly ten.
 *
 * Dates run from 1950-01-01 to 2049-12-31. One day in ten is held out: no training batch ever
 * holds it (in any format), so the translations of held-out days show whether the model
 * learned to read dates or learned its training set by heart.
 */
import { BoolTensor, IntTensor, Rng } from '../../common';

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
/** In the order of JavaScript's getUTCDay(): 0 is Sunday. */
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The formats, by number. */
export const FORMATS = ['April 4, 2024', '4 April 2024', 'Thursday, April 4, 2024'] as const;

/** Source characters; id 0 is the padding (shown as "_"). */
export const SOURCE_VOCAB = '_ ,0123456789ADFJMNOSTWabcdeghilmnoprstuvy';
/** Target characters; id 0 is the start token <sos> (shown as "^"), fed to the decoder's first step. */
export const TARGET_VOCAB = '^0123456789-';
export const PAD = 0;
export const SOS = 0;
/** Characters of an ISO date, and so the decoder's steps. */
export const TARGET_LENGTH = 10;

const FIRST_DAY = Date.UTC(1950, 0, 1) / 86400000;
/** Days from 1950-01-01 to 2049-12-31. */
export const DAYS = Date.UTC(2050, 0, 1) / 86400000 - FIRST_DAY;

/** A date and the way it is written: day 0 is 1950-01-01. */
export interface DateExample {
  day: number;
  format: number;
}

/** Every tenth day is held out: never in a training batch. (Ten and seven share no factor, so every weekday is trained on.) */
export function isHeldOut(day: number): boolean {
  return day % 10 === 7;
}

function calendar(day: number): { year: number; month: number; date: number; weekday: number } {
  const d = new Date((FIRST_DAY + day) * 86400000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth(), date: d.getUTCDate(), weekday: d.getUTCDay() };
}

/** The date in words, in format 0, 1 or 2. */
export function writeDate({ day, format }: DateExample): string {
  const { year, month, date, weekday } = calendar(day);
  if (format === 0) return `${MONTHS[month]} ${date}, ${year}`;
  if (format === 1) return `${date} ${MONTHS[month]} ${year}`;
  if (format === 2) return `${WEEKDAYS[weekday]}, ${MONTHS[month]} ${date}, ${year}`;
  throw new Error(`writeDate: no format ${format} (formats 0 .. ${FORMATS.length - 1})`);
}

/** The date in ISO 8601: "2024-04-04". */
export function isoDate(day: number): string {
  const { year, month, date } = calendar(day);
  return `${year}-${String(month + 1).padStart(2, '0')}-${String(date).padStart(2, '0')}`;
}

/** `count` random dates, each in a random format among `formats`: training days only, or held-out days only. */
export function drawDates(rng: Rng, count: number, opts: { heldOut: boolean; formats?: readonly number[] }): DateExample[] {
  const formats = opts.formats ?? FORMATS.map((_, i) => i);
  const out: DateExample[] = [];
  while (out.length < count) {
    const day = rng.int(DAYS);
    const format = formats[rng.int(formats.length)];
    if (isHeldOut(day) === opts.heldOut) out.push({ day, format });
  }
  return out;
}

/** Source sentences as ids [N, S], padded at the end to the longest, and the mask [N, S] (true = padding). */
export function encodeSources(texts: readonly string[]): { src: IntTensor; mask: BoolTensor } {
  if (texts.length === 0) throw new Error('encodeSources: no sentences');
  const S = Math.max(...texts.map((t) => t.length));
  const N = texts.length;
  const src = new Int32Array(N * S);
  const mask = new Uint8Array(N * S).fill(1);
  texts.forEach((text, b) => {
    if (text.length === 0) throw new Error(`encodeSources: sentence ${b} is empty`);
    [...text].forEach((ch, t) => {
      const id = SOURCE_VOCAB.indexOf(ch);
      if (id <= PAD) throw new Error(`encodeSources: ${JSON.stringify(ch)} in ${JSON.stringify(text)} is not a character of the dates (${JSON.stringify(SOURCE_VOCAB.slice(1))})`);
      src[b * S + t] = id;
      mask[b * S + t] = 0;
    });
  });
  return { src: { shape: [N, S], data: src }, mask: { shape: [N, S], data: mask } };
}

/** ISO dates as target ids [N, 10]. */
export function encodeTargets(isos: readonly string[]): IntTensor {
  const data = new Int32Array(isos.length * TARGET_LENGTH);
  isos.forEach((iso, b) => {
    if (iso.length !== TARGET_LENGTH) throw new Error(`encodeTargets: ${JSON.stringify(iso)} is not an ISO date`);
    [...iso].forEach((ch, t) => (data[b * TARGET_LENGTH + t] = TARGET_VOCAB.indexOf(ch)));
  });
  return { shape: [isos.length, TARGET_LENGTH], data };
}

/** Target ids [N, T] back to text, one string per sentence. */
export function decodeTargets(tokens: IntTensor): string[] {
  const [N, T] = tokens.shape;
  return Array.from({ length: N }, (_, b) => Array.from(tokens.data.subarray(b * T, (b + 1) * T), (id) => TARGET_VOCAB[id] ?? '?').join(''));
}

/** A batch of examples, ready for the model: sources, padding mask, targets, and the texts. */
export function makeBatch(examples: readonly DateExample[]): { src: IntTensor; mask: BoolTensor; targets: IntTensor; texts: string[]; isos: string[] } {
  const texts = examples.map(writeDate);
  const isos = examples.map((e) => isoDate(e.day));
  return { ...encodeSources(texts), targets: encodeTargets(isos), texts, isos };
}
