/**
 * Reading the YAML files that drive grading (rubrics, mutants, case fixtures) against a zod
 * schema. A bad file is rejected with every problem at once, each with file, line and path
 * (`rubrics/activations.yaml:14:7 items[3].tolerance.rtol: ...`). Problems are data
 * (`SpecIssue`); `formatIssues` turns them into text.
 */
import * as fs from 'fs';
import { Document, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

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
  private constructor(
    readonly file: string,
    readonly data: unknown,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  static parse(file: string, text: string): SpecDocument {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length > 0) {
      throw new SpecError(
        doc.errors.map((e) => {
          const pos = lines.linePos(e.pos[0]);
          return { file, line: pos.line, column: pos.col, path: '', message: `YAML syntax: ${e.message.split('\n')[0]}` };
        }),
      );
    }
    return new SpecDocument(file, doc.toJS(), doc, lines);
  }

  static read(file: string, displayName = file): SpecDocument {
    return SpecDocument.parse(displayName, fs.readFileSync(file, 'utf8'));
  }

  /** An issue at `path`, located at the deepest part of the path that exists in the file. */
  issue(path: ReadonlyArray<PropertyKey>, message: string): SpecIssue {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n) as unknown[], true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) {
        const pos = this.lines.linePos(range[0]);
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
