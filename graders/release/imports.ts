/**
 * Which files of the harness a release needs: the closure of the given entry files under their
 * relative imports (`import`, `export ... from`, `require`, `import x = require`), type-only
 * imports included (an editor needs them). Bare imports are collected as package names, so
 * the release's package.json can list exactly what its code uses.
 */
import * as fs from 'fs';
import { isBuiltin } from 'module';
import * as path from 'path';
import { typescript } from '../engine/host/modules';

export interface ImportClosure {
  /** Repository-relative paths (`graders/engine/core/grade.ts`), sorted. */
  files: string[];
  /** Packages imported by those files (`zod`, `@stdlib/math-base-special-erf`), sorted. */
  packages: string[];
}

const RESOLVE_EXTENSIONS = ['', '.ts', '.js', '.cjs', '.json', '/index.ts', '/index.js'];
const CODE = /\.(ts|js|cjs|mjs)$/;

/** `@scope/name/sub` -> `@scope/name`; `yaml/util` -> `yaml`. */
export function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The specifiers a source file imports, static ones only. */
export function importsOf(file: string, text: string): string[] {
  if (!CODE.test(file)) return [];
  const info = typescript().preProcessFile(text, true, true);
  return [...new Set(info.importedFiles.map((f) => f.fileName))];
}

/**
 * Follows relative imports from `entries` (repository-relative). `refuse` names path
 * prefixes that must never be reached (reference/, fixtures/mutants/): reaching one throws.
 */
export function importClosure(root: string, entries: string[], refuse: string[] = []): ImportClosure {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [...entries];
  const importedBy = new Map<string, string>();
  const exists = (rel: string) => fs.existsSync(path.join(root, rel)) && fs.statSync(path.join(root, rel)).isFile();
  while (queue.length) {
    const rel = queue.shift()!;
    if (files.has(rel)) continue;
    if (!exists(rel)) throw new Error(`release: ${rel} is needed but does not exist`);
    const bad = refuse.find((p) => rel.startsWith(p));
    if (bad) throw new Error(`release: ${rel} would be shipped (${importedBy.has(rel) ? `${importedBy.get(rel)} imports it` : 'it is an entry'}), but nothing under ${bad} may be`);
    files.add(rel);
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    for (const spec of importsOf(rel, text)) {
      if (spec.startsWith('.')) {
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
        const found = RESOLVE_EXTENSIONS.map((ext) => base + ext).find(exists);
        if (!found) throw new Error(`release: ${rel} imports ${spec}, which does not resolve`);
        if (!importedBy.has(found)) importedBy.set(found, rel);
        queue.push(found);
      } else if (!isBuiltin(spec)) {
        packages.add(packageName(spec));
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}
