/**
 * What the student process runs, prepared on the grader's side: the lab's TypeScript files
 * (from a submission, the reference or a mutant) and the lab's ops glue, transpiled (types
 * are not checked here, for speed), with every import resolved ahead of time. The student
 * process receives this as a message and reads no file, so it needs no access to the disk.
 */
import * as fs from 'fs';
import { isBuiltin } from 'module';
import * as path from 'path';
import type * as TS from 'typescript';

/** Root of the virtual file system the student process sees (paths in its stack traces). */
export const VIRTUAL_ROOT = '/gradecheck';

/** Packages that lab code may import (resolved from the harness's node_modules). */
export const ALLOWED_PACKAGES = ['@stdlib/math-base-special-erf'];

// ----- source trees -----------------------------------------------------------------------------

/** Files by repository-relative path (`labs/rnn/lstm.ts`). */
export interface SourceTree {
  read(rel: string): string | undefined;
  /** Where `rel` comes from, for messages. */
  origin(rel: string): string;
}

export function directoryTree(dir: string, display = dir): SourceTree {
  return {
    read: (rel) => {
      const file = path.join(dir, rel);
      try {
        return fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
      } catch {
        return undefined;
      }
    },
    origin: (rel) => path.join(display, rel),
  };
}

/** Files of `dir` seen under the prefix `at` (reference/activations seen as labs/activations). */
export function mountedTree(dir: string, at: string, display = dir): SourceTree {
  const inner = directoryTree(dir, display);
  const prefix = at.endsWith('/') ? at : at + '/';
  return {
    read: (rel) => (rel.startsWith(prefix) ? inner.read(rel.slice(prefix.length)) : undefined),
    origin: (rel) => inner.origin(rel.slice(prefix.length)),
  };
}

export function mapTree(files: Record<string, string>, display: string): SourceTree {
  return { read: (rel) => files[rel], origin: (rel) => `${display}:${rel}` };
}

/** The first tree that has a file wins. */
export function overlay(...trees: SourceTree[]): SourceTree {
  return {
    read: (rel) => {
      for (const t of trees) {
        const text = t.read(rel);
        if (text !== undefined) return text;
      }
      return undefined;
    },
    origin: (rel) => (trees.find((t) => t.read(rel) !== undefined) ?? trees[0]).origin(rel),
  };
}

// ----- transpiling ------------------------------------------------------------------------------

export interface SourceDiagnostic {
  /** A syntax error, a missing file, or an import out of labs/ (which could reach the reference). */
  kind: 'syntax' | 'missing' | 'forbidden_import';
  file: string;
  line: number;
  column: number;
  message: string;
}

let ts: typeof TS | undefined;
export function typescript(): typeof TS {
  return (ts ??= require('typescript') as typeof TS);
}

const transpiled = new Map<string, { js: string; diagnostics: SourceDiagnostic[] }>();

/** TypeScript to CommonJS, syntax errors only; cached by file name and text. */
export function transpile(rel: string, text: string): { js: string; diagnostics: SourceDiagnostic[] } {
  const key = `${rel}\0${text}`;
  const hit = transpiled.get(key);
  if (hit) return hit;
  const t = typescript();
  const out = t.transpileModule(text, {
    fileName: `${VIRTUAL_ROOT}/${rel}`,
    reportDiagnostics: true,
    compilerOptions: { module: t.ModuleKind.CommonJS, target: t.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true, inlineSources: true },
  });
  const diagnostics = (out.diagnostics ?? []).map((d) => {
    const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
    return { kind: 'syntax' as const, file: rel, line: pos.line + 1, column: pos.character + 1, message: t.flattenDiagnosticMessageText(d.messageText, '\n') };
  });
  const result = { js: out.outputText, diagnostics };
  if (transpiled.size > 2000) transpiled.clear();
  transpiled.set(key, result);
  return result;
}

// ----- collecting a module set ------------------------------------------------------------------

export interface ModuleSet {
  /** Virtual path to JavaScript. */
  files: Record<string, string>;
  /** Virtual path to {import specifier: virtual path}. */
  resolutions: Record<string, Record<string, string>>;
  /** The lab's files, whose exports make up the lab module. */
  entries: string[];
  /** The ops glue. */
  ops: string;
}

export interface BuiltModules {
  modules: ModuleSet;
  /** Syntax errors and missing files in the lab's own code. */
  problems: SourceDiagnostic[];
}

const REQUIRE = /\brequire\(\s*(['"])([^'"]+)\1\s*\)/g;
const EXTENSIONS = ['', '.ts', '.js', '.json', '/index.ts', '/index.js'];

function requiresOf(js: string): string[] {
  return [...new Set([...js.matchAll(REQUIRE)].map((m) => m[2]))];
}

const packageClosures = new Map<string, { files: Record<string, string>; resolutions: Record<string, Record<string, string>>; entry: string }>();

/** A package's CommonJS files and their own imports, read from the harness's node_modules. */
function packageClosure(harnessRoot: string, name: string) {
  const key = `${harnessRoot}\0${name}`;
  const hit = packageClosures.get(key);
  if (hit) return hit;
  const virtual = (real: string) => `${VIRTUAL_ROOT}/${path.relative(harnessRoot, real).split(path.sep).join('/')}`;
  const files: Record<string, string> = {};
  const resolutions: Record<string, Record<string, string>> = {};
  const entryReal = require.resolve(name, { paths: [harnessRoot] });
  const queue = [entryReal];
  while (queue.length) {
    const real = queue.pop()!;
    const v = virtual(real);
    if (v in files) continue;
    const js = fs.readFileSync(real, 'utf8');
    files[v] = js;
    resolutions[v] = {};
    if (real.endsWith('.json')) continue;
    for (const spec of requiresOf(js)) {
      if (isBuiltin(spec)) continue;
      let target: string;
      try {
        target = require.resolve(spec, { paths: [path.dirname(real)] });
      } catch {
        continue; // a require() in a comment or an example: left unresolved, fails only if run
      }
      resolutions[v][spec] = virtual(target);
      queue.push(target);
    }
  }
  const closure = { files, resolutions, entry: virtual(entryReal) };
  packageClosures.set(key, closure);
  return closure;
}

/**
 * Transpiles the lab's `entries` (repository-relative, read from `tree`) and the ops glue
 * (read from the harness), following their imports. Paths under `labs/` come from `tree`,
 * every other path from the harness.
 */
export function buildModules(harnessRoot: string, tree: SourceTree, entries: string[], opsRel: string): BuiltModules {
  const files: Record<string, string> = {};
  const resolutions: Record<string, Record<string, string>> = {};
  const problems: SourceDiagnostic[] = [];
  const readRel = (rel: string): string | undefined => {
    if (rel.startsWith('labs/')) return tree.read(rel);
    const file = path.join(harnessRoot, rel);
    return fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
  };
  const queue = [...entries, opsRel];
  const seen = new Set<string>();
  while (queue.length) {
    const rel = queue.shift()!;
    if (seen.has(rel)) continue;
    seen.add(rel);
    const v = `${VIRTUAL_ROOT}/${rel}`;
    const text = readRel(rel);
    if (text === undefined) {
      problems.push({ kind: 'missing', file: rel, line: 0, column: 0, message: `missing file ${rel}` });
      continue;
    }
    let js = text;
    if (rel.endsWith('.ts')) {
      const out = transpile(rel, text);
      js = out.js;
      if (rel.startsWith('labs/')) problems.push(...out.diagnostics);
    }
    files[v] = js;
    resolutions[v] = {};
    if (rel.endsWith('.json')) continue;
    for (const spec of requiresOf(js)) {
      if (spec.startsWith('.')) {
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
        if (rel.startsWith('labs/') && !base.startsWith('labs/')) {
          problems.push({ kind: 'forbidden_import', file: rel, line: 0, column: 0, message: `${rel} imports '${spec}': lab code may import only files under labs/` });
          continue;
        }
        const found = EXTENSIONS.map((ext) => base + ext).find((c) => readRel(c) !== undefined);
        if (found) {
          resolutions[v][spec] = `${VIRTUAL_ROOT}/${found}`;
          queue.push(found);
        }
      } else if (ALLOWED_PACKAGES.includes(spec)) {
        const pkg = packageClosure(harnessRoot, spec);
        Object.assign(files, pkg.files);
        Object.assign(resolutions, pkg.resolutions);
        resolutions[v][spec] = pkg.entry;
      }
    }
  }
  return { modules: { files, resolutions, entries: entries.map((e) => `${VIRTUAL_ROOT}/${e}`), ops: `${VIRTUAL_ROOT}/${opsRel}` }, problems };
}
