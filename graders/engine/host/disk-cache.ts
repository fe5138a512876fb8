/**
 * A content-addressed cache on disk, under the graders' node_modules/.cache/gradecheck: what
 * was computed from some text (a transpiled module, a type-check's notes) is kept under a hash
 * of that text, so a warm run neither loads the compiler nor repeats its work. A read-only or
 * missing folder only means nothing is kept.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export function cacheFolder(root: string, kind: string): string {
  return path.join(root, 'node_modules', '.cache', 'gradecheck', kind);
}

export function contentKey(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:`).update(p);
  return h.digest('hex').slice(0, 32);
}

export function readCached<T>(folder: string, key: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(folder, `${key}.json`), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function writeCached(folder: string, key: string, value: unknown): void {
  try {
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `${key}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(value));
    fs.renameSync(tmp, file);
  } catch {
    /* nothing is kept: the next run computes it again */
  }
}

const versions = new Map<string, string>();

/** The installed compiler's version, without loading the compiler. */
export function typescriptVersion(root: string): string {
  let v = versions.get(root);
  if (v === undefined) {
    try {
      v = (JSON.parse(fs.readFileSync(require.resolve('typescript/package.json', { paths: [root] }), 'utf8')) as { version: string }).version;
    } catch {
      v = 'unknown';
    }
    versions.set(root, v);
  }
  return v;
}
