/**
 * The leak check of a student release: nothing in it may give an answer away.
 *
 * - no file under reference/, fixtures/mutants/ or fixtures/submissions/;
 * - no function body of reference/<lab>/*.ts (comments and whitespace removed; bodies shorter
 *   than `minBodyLength` characters, or also present in the harness's own labs/, which students
 *   get anyway, are skipped);
 * - no id of a hidden item (any item that is not `visible`);
 * - none of a hidden item's numbers (its cases' inputs, upstream gradients, expected outputs and
 *   gradients), written with 8 or more significant digits, unless the same number is a visible
 *   item's, in any released lab (shared fixtures, rounding residues).
 *
 * Leaks are data; the CLI prints them.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as TS from 'typescript';
import { ExpectedBundle, expectedFor } from '../engine/core/expected';
import { filesUnder } from '../engine/core/files';
import { loadLab } from '../engine/core/labs';
import { typescript } from '../engine/host/modules';
import { isRecord, isTensor, Value } from '../engine/core/values';
import { FORBIDDEN_PREFIXES } from './build';

export type LeakKind = 'forbidden_file' | 'reference_body' | 'hidden_item' | 'hidden_value';

export interface Leak {
  kind: LeakKind;
  /** Release-relative file. */
  file: string;
  message: string;
}

export interface LeakCheckOptions {
  /** The harness (reference/, the full rubrics). */
  root: string;
  /** The release folder. */
  release: string;
  /** The labs released (default: those with a rubric in the release). */
  labs?: string[];
  /** Skip reference bodies shorter than this, once normalised (default 40 characters). */
  minBodyLength?: number;
  /** Check only reference bodies and forbidden files (a Gradescope source holds hidden items on purpose). */
  allowHidden?: boolean;
}

const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const CODE = /\.(ts|js|cjs|mjs)$/;

/** Source text without comments or whitespace (strings are kept as written). */
export function normaliseCode(text: string): string {
  const ts = typescript();
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  let out = '';
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) continue;
    out += scanner.getTokenText();
  }
  return out.replace(/\s+/g, '');
}

/** Every text a release file could carry code in: the file, and for Markdown its code blocks. */
function normalisedViews(file: string, text: string): string[] {
  if (CODE.test(file)) return [normaliseCode(text)];
  // Expected values are megabytes of numbers: only their strings (diagnoses, labels) can hold code.
  if (file.endsWith('.json')) {
    const strings: string[] = [];
    try {
      collectStrings(JSON.parse(text), strings);
      return [strings.join('\n').replace(/\s+/g, '')];
    } catch {
      /* not JSON after all: searched as text */
    }
  }
  const views = [text.replace(/\s+/g, '')];
  if (file.endsWith('.md')) for (const m of text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)) views.push(normaliseCode(m[1]));
  return views;
}

function collectStrings(v: unknown, into: string[]): void {
  if (typeof v === 'string') into.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, into);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
    into.push(k);
    collectStrings(x, into);
  }
}

/** The normalised bodies of every function, method, accessor and arrow function of a file. */
export function functionBodies(file: string, text: string): Array<{ name: string; body: string }> {
  const ts = typescript();
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const bodies: Array<{ name: string; body: string }> = [];
  const visit = (node: TS.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const body = node.body as TS.Node;
      const inner = ts.isBlock(body) ? text.slice(body.getStart(source) + 1, body.getEnd() - 1) : body.getText(source);
      const name = 'name' in node && node.name ? (node.name as TS.Node).getText(source) : `(anonymous, line ${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1})`;
      bodies.push({ name, body: normaliseCode(inner) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return bodies;
}

/**
 * Numbers written with at least 8 significant digits, and not rounding residues (below 1e-12 in
 * magnitude): distinctive enough that finding one means a value leaked.
 */
export function isDistinctive(x: number): boolean {
  if (!Number.isFinite(x) || Number.isInteger(x) || Math.abs(x) < 1e-12) return false;
  const digits = x.toExponential().replace(/^-/, '').split('e')[0].replace('.', '').replace(/0+$/, '');
  return digits.length >= 8;
}

function collectNumbers(v: unknown, into: Set<number>): void {
  if (typeof v === 'number') {
    if (isDistinctive(v)) into.add(v);
  } else if (isTensor(v)) {
    for (const x of v.data) if (isDistinctive(x)) into.add(x);
  } else if (Array.isArray(v)) {
    for (const x of v) collectNumbers(x, into);
  } else if (isRecord(v as Value)) {
    for (const x of Object.values(v as Record<string, unknown>)) collectNumbers(x, into);
  }
}

const NUMBER = /-?(?:\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)/g;

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_-]/.test(c);
}

/** Where `id` occurs as a whole id (not inside a longer one). */
function mentionsId(text: string, id: string): boolean {
  for (let at = text.indexOf(id); at >= 0; at = text.indexOf(id, at + 1)) {
    const before = text[at - 1];
    const after = text[at + id.length];
    const afterNext = text[at + id.length + 1];
    if (!isWordChar(before) && before !== '.' && !isWordChar(after) && !(after === '.' && isWordChar(afterNext))) return true;
  }
  return false;
}

export async function findLeaks(opts: LeakCheckOptions): Promise<Leak[]> {
  const root = path.resolve(opts.root);
  const release = path.resolve(opts.release);
  const minBody = opts.minBodyLength ?? 40;
  const labs =
    opts.labs ??
    fs
      .readdirSync(path.join(release, 'rubrics'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''));
  const files = filesUnder(release, '', (name) => SKIPPED_DIRS.has(name));
  const texts = new Map(files.map((f) => [f, fs.readFileSync(path.join(release, f), 'utf8')]));
  const views = new Map(files.map((f) => [f, normalisedViews(f, texts.get(f)!)]));
  const leaks: Leak[] = [];

  for (const f of files) {
    const bad = FORBIDDEN_PREFIXES.find((p) => f.startsWith(p));
    if (bad) leaks.push({ kind: 'forbidden_file', file: f, message: `nothing under ${bad} may be released` });
  }

  // What students get anyway: the harness's labs/ (stubs, handouts, labs/common).
  const publicCode = filesUnder(root, 'labs')
    .filter((f) => CODE.test(f))
    .map((f) => normaliseCode(fs.readFileSync(path.join(root, f), 'utf8')))
    .join('\n');

  // Numbers the visible items of any released lab use may appear anywhere (labs share fixtures
  // and rounding residues); only the others can tell a hidden case apart.
  const bundles = new Map<string, ExpectedBundle>();
  const visibleNumbers = new Set<number>();
  if (!opts.allowHidden) {
    for (const name of labs) {
      const lab = loadLab(root, name);
      const bundle = await expectedFor(root, lab);
      bundles.set(name, bundle);
      for (const item of lab.rubric.items.filter((it) => it.visibility === 'visible')) collectNumbers(bundle.items[item.id], visibleNumbers);
    }
  }

  for (const name of labs) {
    const lab = loadLab(root, name);
    for (const rel of filesUnder(root, `reference/${name}`).filter((f) => CODE.test(f))) {
      for (const { name: fn, body } of functionBodies(rel, fs.readFileSync(path.join(root, rel), 'utf8'))) {
        if (body.length < minBody || publicCode.includes(body)) continue;
        for (const f of files) {
          if (views.get(f)!.some((v) => v.includes(body))) leaks.push({ kind: 'reference_body', file: f, message: `contains the body of ${fn} from ${rel}` });
        }
      }
    }
    if (opts.allowHidden) continue;

    const hidden = lab.rubric.items.filter((it) => it.visibility !== 'visible');
    for (const item of hidden) {
      for (const [f, text] of texts) if (mentionsId(text, item.id)) leaks.push({ kind: 'hidden_item', file: f, message: `mentions hidden item ${item.id} of ${name}` });
    }
    const hiddenNumbers = new Set<number>();
    const bundle = bundles.get(name)!;
    for (const item of hidden) collectNumbers(bundle.items[item.id]?.cases.map(({ inputs, upstream, outputs, grads }) => ({ inputs, upstream, outputs, grads })), hiddenNumbers);
    for (const x of visibleNumbers) hiddenNumbers.delete(x);
    if (hiddenNumbers.size === 0) continue;
    for (const [f, text] of texts) {
      const found = new Set<number>();
      for (const m of text.matchAll(NUMBER)) {
        const x = Number(m[0]);
        if (hiddenNumbers.has(x) && isDistinctive(x)) found.add(x);
      }
      if (found.size) leaks.push({ kind: 'hidden_value', file: f, message: `holds ${found.size} number${found.size > 1 ? 's' : ''} of ${name}'s hidden cases (e.g. ${[...found][0]})` });
    }
  }
  return leaks;
}

export function formatLeaks(leaks: Leak[]): string {
  return leaks.map((l) => `${l.file}: ${l.kind}: ${l.message}`).join('\n');
}
