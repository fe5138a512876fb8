/**
 * Trains the transformer lab's char LM on fixtures/char-lm/shakespeare.txt with the reference
 * implementation (its forward and backward, float64) and Adam, seeded, and writes the weights
 * that `npm run generate` samples from (fixtures/char-lm/weights.json).
 *
 *   node -r ./graders/engine/host/register.cjs scripts/labs/transformer-train.ts [--steps N] [--out FILE]
 *
 * Same seed, same steps: the same weights, bit for bit. A few minutes on one core.
 */
import { parseArgs } from 'util';
import * as fs from 'fs';
import { IntTensor, Rng, Tensor } from '../../labs/common';
import { CHAR_LM_PARAM_NAMES, CharLmParams } from '../../labs/transformer/provided/params';
import { loadReference } from './transformer-reference';
import { CharLmConfig, DEFAULT_TEXT, DEFAULT_WEIGHTS, writeWeights } from './transformer-weights';

const CONFIG: CharLmConfig = { d_model: 32, num_heads: 2, dim_feedforward: 64, context_length: 64 };
const DEFAULTS = { steps: 2500, batch: 8, lr: 1e-2, seed: 2024 };

/** PyTorch-like initialisation: N(0, 1) embeddings, N(0, 1/fan_in) weights, zero biases, unit norms. */
function initParams(rng: Rng, V: number, c: CharLmConfig): CharLmParams {
  const E = c.d_model;
  const F = c.dim_feedforward;
  const normal = (shape: number[], std: number): Tensor => ({ shape, data: rng.normals(shape.reduce((a, b) => a * b, 1), std) });
  const fill = (shape: number[], value: number): Tensor => ({ shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(value) });
  const shapes: Record<string, () => Tensor> = {
    'tok.weight': () => normal([V, E], 1),
    'block.self_attn.in_proj_weight': () => normal([3 * E, E], 1 / Math.sqrt(E)),
    'block.self_attn.in_proj_bias': () => fill([3 * E], 0),
    'block.self_attn.out_proj.weight': () => normal([E, E], 1 / Math.sqrt(E)),
    'block.self_attn.out_proj.bias': () => fill([E], 0),
    'block.linear1.weight': () => normal([F, E], 1 / Math.sqrt(E)),
    'block.linear1.bias': () => fill([F], 0),
    'block.linear2.weight': () => normal([E, F], 1 / Math.sqrt(F)),
    'block.linear2.bias': () => fill([E], 0),
    'block.norm1.weight': () => fill([E], 1),
    'block.norm1.bias': () => fill([E], 0),
    'block.norm2.weight': () => fill([E], 1),
    'block.norm2.bias': () => fill([E], 0),
    'ln_f.weight': () => fill([E], 1),
    'ln_f.bias': () => fill([E], 0),
    'head.weight': () => normal([V, E], 1 / Math.sqrt(E)),
    'head.bias': () => fill([V], 0),
  };
  return Object.fromEntries(CHAR_LM_PARAM_NAMES.map((name) => [name, shapes[name]()])) as CharLmParams;
}

/** Adam (Kingma and Ba, 2015): m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, w -= lr mhat / (sqrt(vhat) + eps). */
class Adam {
  private step = 0;
  private readonly m = new Map<string, Float64Array>();
  private readonly v = new Map<string, Float64Array>();
  constructor(
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.99,
    private readonly eps = 1e-8,
  ) {}

  update(params: CharLmParams, grads: CharLmParams, lr: number): void {
    this.step++;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    for (const name of CHAR_LM_PARAM_NAMES) {
      const w = params[name].data;
      const g = grads[name].data;
      const m = this.m.get(name) ?? this.m.set(name, new Float64Array(w.length)).get(name)!;
      const v = this.v.get(name) ?? this.v.set(name, new Float64Array(w.length)).get(name)!;
      for (let i = 0; i < w.length; i++) {
        m[i] = this.beta1 * m[i] + (1 - this.beta1) * g[i];
        v[i] = this.beta2 * v[i] + (1 - this.beta2) * g[i] * g[i];
        w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + this.eps);
      }
    }
  }
}

/** B windows of the text at random offsets: ids are characters t .. t+L-1, targets t+1 .. t+L. */
function batchOf(rng: Rng, text: Int32Array, B: number, L: number): { ids: IntTensor; targets: IntTensor } {
  const ids = new Int32Array(B * L);
  const targets = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    const start = rng.int(text.length - L - 1);
    ids.set(text.subarray(start, start + L), b * L);
    targets.set(text.subarray(start + 1, start + L + 1), b * L);
  }
  return { ids: { shape: [B, L], data: ids }, targets: { shape: [B, L], data: targets } };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      text: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'node -r ./graders/engine/host/register.cjs scripts/labs/transformer-train.ts [--steps N] [--batch B] [--lr LR] [--seed S] [--text FILE] [--out FILE]\n' +
        `Trains the char LM with the reference and writes its weights (default ${DEFAULTS.steps} steps of ${DEFAULTS.batch} windows, lr ${DEFAULTS.lr}, seed ${DEFAULTS.seed}).\n`,
    );
    return;
  }
  const steps = Number(values.steps ?? DEFAULTS.steps);
  const B = Number(values.batch ?? DEFAULTS.batch);
  const lr = Number(values.lr ?? DEFAULTS.lr);
  const seed = Number(values.seed ?? DEFAULTS.seed);
  const textFile = values.text ?? DEFAULT_TEXT;
  const out = values.out ?? DEFAULT_WEIGHTS;
  const lab = loadReference();

  const raw = fs.readFileSync(textFile, 'utf8');
  const vocab = [...new Set(raw)].sort().join('');
  const text = Int32Array.from(raw, (ch) => vocab.indexOf(ch));
  const L = CONFIG.context_length;
  const rng = new Rng(seed);
  const params = initParams(rng, vocab.length, CONFIG);
  const adam = new Adam();
  process.stdout.write(`${raw.length} characters, vocabulary of ${vocab.length}; ${steps} steps of ${B} windows of ${L}\n`);

  const started = Date.now();
  let recent = 0;
  let lastLoss = NaN;
  for (let step = 1; step <= steps; step++) {
    const { ids, targets } = batchOf(rng, text, B, L);
    // the learning rate decays linearly to a tenth of its start
    const rate = lr * (1 - (0.9 * (step - 1)) / steps);
    adam.update(params, lab.charLmBackward(params, ids, targets, CONFIG.num_heads), rate);
    if (step % 50 === 0 || step === steps) {
      recent = lab.crossEntropyForward(lab.charLmForward(params, ids, CONFIG.num_heads), targets);
      lastLoss = recent;
      process.stdout.write(`step ${step}: loss ${recent.toFixed(4)} on this batch (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  }
  // the loss over the whole text, window by window
  let total = 0;
  let windows = 0;
  for (let start = 0; start + L + 1 <= text.length; start += L) {
    const ids: IntTensor = { shape: [1, L], data: text.slice(start, start + L) };
    const targets: IntTensor = { shape: [1, L], data: text.slice(start + 1, start + L + 1) };
    total += lab.crossEntropyForward(lab.charLmForward(params, ids, CONFIG.num_heads), targets);
    windows++;
  }
  const textLoss = total / windows;
  process.stdout.write(`mean loss over the text: ${textLoss.toFixed(4)} nats per character (uniform: ${Math.log(vocab.length).toFixed(4)})\n`);
  writeWeights(out, {
    vocab,
    config: CONFIG,
    training: {
      text: 'fixtures/char-lm/shakespeare.txt',
      script: 'scripts/labs/transformer-train.ts',
      optimizer: 'Adam(beta1 0.9, beta2 0.99), learning rate decaying linearly to a tenth',
      steps,
      batch_size: B,
      learning_rate: lr,
      seed,
      last_batch_loss: lastLoss,
      text_loss: textLoss,
    },
    params,
  });
  process.stdout.write(`wrote ${out} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

main();
