/**
 * The trained char LM shipped with the transformer lab (fixtures/char-lm/weights.json):
 * its vocabulary, its sizes, how it was trained, and its parameters by state_dict name as
 * {shape, data} tensors. Written by scripts/labs/transformer-train.ts, read by scripts/generate.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Tensor } from '../../labs/common';
import type { CharLmParams } from '../../labs/transformer/provided/params';

export const WEIGHTS_FORMAT = 'gradecheck/char-lm-weights';
export const WEIGHTS_VERSION = 1;
export const DEFAULT_WEIGHTS = path.resolve(__dirname, '..', '..', 'fixtures', 'char-lm', 'weights.json');
export const DEFAULT_TEXT = path.resolve(__dirname, '..', '..', 'fixtures', 'char-lm', 'shakespeare.txt');

export interface CharLmConfig {
  d_model: number;
  num_heads: number;
  dim_feedforward: number;
  /** The training window: the model sees at most this many characters. */
  context_length: number;
}

export interface CharLmWeights {
  format: typeof WEIGHTS_FORMAT;
  version: number;
  /** Token id k is the character vocab[k]. */
  vocab: string;
  config: CharLmConfig;
  training: Record<string, unknown>;
  params: CharLmParams;
}

export function writeWeights(file: string, w: Omit<CharLmWeights, 'format' | 'version'>): void {
  const params = Object.fromEntries(Object.entries(w.params).map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data) }]));
  const json = { format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION, vocab: w.vocab, config: w.config, training: w.training, params };
  fs.writeFileSync(file, JSON.stringify(json) + '\n');
}

/** Reads and checks a weights file; throws an Error saying what is wrong. */
export function readWeights(file: string): CharLmWeights {
  let raw: { format?: unknown; version?: unknown; vocab?: unknown; config?: CharLmConfig; training?: Record<string, unknown>; params?: Record<string, { shape: number[]; data: number[] }> };
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the weights ${file}: ${(e as Error).message}`);
  }
  if (raw.format !== WEIGHTS_FORMAT || raw.version !== WEIGHTS_VERSION) throw new Error(`${file} is not a ${WEIGHTS_FORMAT} file of version ${WEIGHTS_VERSION}`);
  if (typeof raw.vocab !== 'string' || !raw.config || !raw.params) throw new Error(`${file} lacks its vocab, config or params`);
  const params = Object.fromEntries(
    Object.entries(raw.params).map(([k, t]): [string, Tensor] => [k, { shape: t.shape, data: Float64Array.from(t.data) }]),
  ) as CharLmParams;
  return { format: WEIGHTS_FORMAT, version: WEIGHTS_VERSION, vocab: raw.vocab, config: raw.config, training: raw.training ?? {}, params };
}
