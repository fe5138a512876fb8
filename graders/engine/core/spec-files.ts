/**
 * Reading the YAML files that drive grading (rubrics, mutants, case fixtures) against a zod
 * schema. A bad file is rejected with every problem at once, each with file, line and path
 * (`rubrics/activations.yaml:14:7 items[3].tolerance.rtol: ...`). Problems are data
 * (`SpecIssue`); `formatIssues` turns them into text.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Document, LineCounter } from 'yaml';
import { z } from 'zod';
import { cacheFolder, contentKey, readCached, writeCached } from '../host/disk-cache';

export interface SpecIssue {
  file: string;
  line?: number;
  column?: number;
  /** `items[3].tolerance.rtol`; empty for the whole file. */
  path: string;
  message: string;
}

export class SpecError extends Error {
  constructor(readonly issues: SpecIssue[]) {
    super(formatIssues(issues));
    this.name = 'SpecError';
  }
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

export function formatIssue(i: SpecIssue): string {
  const where = i.line ? `${i.file}:${i.line}:${i.column ?? 1}` : i.file;
  return `${where} ${i.path ? i.path + ': ' : ''}${i.message}`;
}

export function formatIssues(issues: SpecIssue[]): string {
  return issues.map(formatIssue).join('\n');
}

/** A parsed YAML file that can say where a path is. */
export class SpecDocument {
  private parsed?: { doc: Document; lines: LineCounter };

  private constructor(
    readonly file: string,
    readonly data: unknown,
    private readonly text: string,
    parsed?: { doc: Document; lines: LineCounter },
  ) {
    this.parsed = parsed;
  }

  static parse(file: string, text: string): SpecDocument {
    const cached = cachedData(text);
    if (cached.hit) return new SpecDocument(file, cached.data, text);
    const parsed = parseYaml(text);
    if (parsed.doc.errors.length > 0) {
      throw new SpecError(
        parsed.doc.errors.map((e) => {
          const pos = parsed.lines.linePos(e.pos[0]);
          return { file, line: pos.line, column: pos.col, path: '', message: `YAML syntax: ${e.message.split('\n')[0]}` };
        }),
      );
    }
    const data = parsed.doc.toJS();
    keepData(text, data);
    return new SpecDocument(file, data, text, parsed);
  }

  static read(file: string, displayName = file): SpecDocument {
    return SpecDocument.parse(displayName, fs.readFileSync(file, 'utf8'));
  }

  /** An issue at `path`, located at the deepest part of the path that exists in the file. */
  issue(path: ReadonlyArray<PropertyKey>, message: string): SpecIssue {
    // A file read from the cache is parsed again only here, to say where a problem is.
    const { doc, lines } = (this.parsed ??= parseYaml(this.text));
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) {
        const pos = lines.linePos(range[0]);
        return { file: this.file, line: pos.line, column: pos.col, path: formatPath(path), message };
      }
    }
    return { file: this.file, path: formatPath(path), message };
  }

  /** Parses against a schema; throws a SpecError listing every problem. */
  parseWith<S extends z.ZodType>(schema: S): z.infer<S> {
    const r = schema.safeParse(this.data);
    if (r.success) return r.data;
    throw new SpecError(r.error.issues.map((i) => this.fromZod(i)));
  }

  private fromZod(i: z.core.$ZodIssue): SpecIssue {
    if (i.code === 'unrecognized_keys') {
      return this.issue([...i.path, i.keys[0]], `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`);
    }
    return this.issue(i.path, i.message);
  }
}

// ----- parsing, and the parsed data kept by content -------------------------------------------------

function parseYaml(text: string): { doc: Document; lines: LineCounter } {
  // Loaded on a cache miss only: a warm run reads every spec file from the cache.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require('yaml') as typeof import('yaml');
  const lines = new yaml.LineCounter();
  return { doc: yaml.parseDocument(text, { lineCounter: lines, prettyErrors: false }), lines };
}

/**
 * YAML's data as JSON, kept under a hash of the file's text in the graders' cache (parsing YAML
 * costs a run tens of milliseconds per file; JSON, almost nothing). Numbers JSON cannot write
 * (.inf, .nan, -0) are kept as {"\u0000number": "Infinity"}; data that already holds that key is
 * not kept.
 */
const YAML_CACHE_VERSION = '1';
const NUMBER_KEY = '\u0000number';
const ENGINE_ROOT = path.resolve(__dirname, '..', '..', '..');
const memory = new Map<string, unknown>();

function fromCacheJson(json: string): unknown {
  return JSON.parse(json, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && NUMBER_KEY in v ? Number((v as Record<string, string>)[NUMBER_KEY]) : v));
}

let yamlVersion: string | undefined;

/** The installed parser's version, without loading the parser: a new one may read a file differently. */
function parserVersion(): string {
  if (yamlVersion === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      yamlVersion = String((require('yaml/package.json') as { version: string }).version);
    } catch {
      yamlVersion = 'unknown';
    }
  }
  return yamlVersion;
}

function yamlKey(text: string): string {
  return contentKey('yaml', YAML_CACHE_VERSION, parserVersion(), text);
}

function cachedData(text: string): { hit: boolean; data?: unknown } {
  const key = yamlKey(text);
  if (memory.has(key)) return { hit: true, data: structuredClone(memory.get(key)) };
  const raw = readCached<{ json: string }>(cacheFolder(ENGINE_ROOT, 'yaml'), key);
  if (!raw || typeof raw.json !== 'string') return { hit: false };
  try {
    const data = fromCacheJson(raw.json);
    memory.set(key, data);
    return { hit: true, data: structuredClone(data) };
  } catch {
    return { hit: false };
  }
}

function keepData(text: string, data: unknown): void {
  let keepable = true;
  const json = JSON.stringify(data, (_k, v: unknown) => {
    if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) return { [NUMBER_KEY]: Object.is(v, -0) ? '-0' : String(v) };
    if (v && typeof v === 'object' && NUMBER_KEY in v) keepable = false;
    if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') keepable = false;
    return v;
  });
  if (!keepable || json === undefined) return;
  const key = yamlKey(text);
  memory.set(key, structuredClone(data));
  writeCached(cacheFolder(ENGINE_ROOT, 'yaml'), key, { json });
}
