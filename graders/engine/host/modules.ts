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
import { SpecError, SpecIssue } from '../core/spec-files';
import { cacheFolder, contentKey, readCached, typescriptVersion, writeCached } from './disk-cache';

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
  /**
   * Why `rel` is there but may not be read (a submission's symbolic link), when it is so. A
   * refused file reads as undefined, and an overlay does not look for it in the trees below.
   */
  refusal?(rel: string): string | undefined;
}

/** A trusted folder (the harness, its reference): symbolic links are followed. */
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

/**
 * A student's folder, of which only `labs/` is read, and only regular files in regular folders:
 * every symbolic link on the way (`labs` itself, a lab's folder, labs/common, the file) is
 * refused, wherever it points, even inside labs/, so that no link, chain of links or Windows
 * junction can lead the graders to the reference or anything else outside the submission. A
 * file whose real path is not under the folder's real `labs/` is refused as well.
 */
export function submissionFiles(dir: string, display = dir): SourceTree {
  const look = (rel: string) => lookUpSubmissionFile(dir, rel);
  return {
    read: (rel) => {
      const found = look(rel);
      return found.kind === 'file' ? found.text : undefined;
    },
    origin: (rel) => path.join(display, rel),
    refusal: (rel) => {
      const found = look(rel);
      return found.kind === 'refused' ? found.message : undefined;
    },
  };
}

type SubmissionLookup = { kind: 'file'; text: string } | { kind: 'absent' } | { kind: 'refused'; message: string };

/** `labs/...` with plain names only: no `.` or `..` part, no backslash, no `:` (a Windows drive or stream). */
const LAB_PATH = /^labs(\/(?!\.\.?(?:\/|$))[^/\\:\0]+)+$/;

function lookUpSubmissionFile(dir: string, rel: string): SubmissionLookup {
  if (!LAB_PATH.test(rel)) return { kind: 'absent' };
  const parts = rel.split('/');
  let stat: fs.Stats | undefined;
  for (let i = 1; i <= parts.length; i++) {
    const at = parts.slice(0, i).join('/');
    try {
      stat = fs.lstatSync(path.join(dir, at));
    } catch {
      return { kind: 'absent' };
    }
    if (stat.isSymbolicLink()) return { kind: 'refused', message: linkMessage(rel, at) };
    if (i < parts.length && !stat.isDirectory()) return { kind: 'absent' };
  }
  if (!stat?.isFile()) return { kind: 'absent' }; // a folder, a pipe, a device
  const file = path.join(dir, rel);
  try {
    const labs = fs.realpathSync(path.join(dir, 'labs')) + path.sep;
    if (!fs.realpathSync(file).startsWith(labs)) {
      return { kind: 'refused', message: `${rel} leads outside labs/ (through a link or junction): lab files must be regular files inside labs/` };
    }
    return { kind: 'file', text: fs.readFileSync(file, 'utf8') };
  } catch {
    return { kind: 'absent' }; // removed while being read
  }
}

function linkMessage(rel: string, link: string): string {
  return link === rel
    ? `${rel} is a symbolic link: lab files must be regular files inside labs/ (replace the link with the file itself)`
    : `${rel} is reached through ${link}, a symbolic link: lab files must be regular files in regular folders inside labs/ (replace the link with the folder itself)`;
}

/** The first tree that has a file wins; a tree that refuses a file stops the search (no silent fallback). */
export function overlay(...trees: SourceTree[]): SourceTree {
  const owner = (rel: string) => trees.find((t) => t.refusal?.(rel) !== undefined || t.read(rel) !== undefined);
  return {
    read: (rel) => {
      for (const t of trees) {
        const text = t.read(rel);
        if (text !== undefined) return text;
        if (t.refusal?.(rel) !== undefined) return undefined;
      }
      return undefined;
    },
    origin: (rel) => (owner(rel) ?? trees[0]).origin(rel),
    refusal: (rel) => {
      for (const t of trees) {
        const why = t.refusal?.(rel);
        if (why !== undefined) return why;
        if (t.read(rel) !== undefined) return undefined;
      }
      return undefined;
    },
  };
}

// ----- transpiling ------------------------------------------------------------------------------

export interface SourceDiagnostic {
  /**
   * A syntax error, a missing file, an import out of labs/ (which could reach the reference), or
   * a symbolic link in the submission's labs/ (which could too).
   */
  kind: 'syntax' | 'missing' | 'forbidden_import' | 'forbidden_link' | 'too_large';
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

interface Specifier {
  spec: string;
  line: number;
  column: number;
}

/**
 * Every module a lab file names, where it names it: imports, `export ... from`, `import type`,
 * `import()`, `require`, `import x = require`, `/// <reference path>`. Read from the source, as
 * the type-only ones are gone once transpiled.
 */
function specifiersOf(text: string): Specifier[] {
  const info = typescript().preProcessFile(text, true, true);
  const at = (pos: number) => {
    const before = text.slice(0, pos);
    return { line: before.split('\n').length, column: pos - before.lastIndexOf('\n') };
  };
  const referenced = info.referencedFiles.map((f) => ({ ...f, fileName: /^[./\\]|^[a-zA-Z]:/.test(f.fileName) ? f.fileName : `./${f.fileName}` }));
  return [...info.importedFiles, ...referenced].sort((a, b) => a.pos - b.pos).map((f) => ({ spec: f.fileName, ...at(f.pos) }));
}

/** Whether a specifier written in the lab file `rel` names a file outside labs/: `../..` away, or an absolute path. */
function leavesLabs(rel: string, spec: string): boolean {
  if (/^(?:[/\\]|[a-zA-Z]:|file:)/.test(spec) || (spec.startsWith('.') && spec.includes('\\'))) return true;
  return spec.startsWith('.') && !path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).startsWith('labs/');
}

function forbiddenImport(rel: string, spec: string, line = 0, column = 0): SourceDiagnostic {
  const how = spec.includes('\\') ? " (write import paths with '/')" : '';
  return { kind: 'forbidden_import', file: rel, line, column, message: `${rel} imports '${spec}': lab code may import only files under labs/${how}` };
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
/** What building needs of one file, computed once per content (see compiled()). */
interface CompiledFile {
  js: string;
  diagnostics: SourceDiagnostic[];
  specifiers: Specifier[];
}

const COMPILED_VERSION = '1';

/**
 * A file's JavaScript, syntax errors and the modules it names, cached in memory and on disk by
 * its content: a warm run of unchanged files never loads the compiler.
 */
function compiled(harnessRoot: string, rel: string, text: string, withSpecifiers: boolean): CompiledFile {
  const folder = cacheFolder(harnessRoot, 'modules');
  const key = contentKey(COMPILED_VERSION, typescriptVersion(harnessRoot), rel, String(withSpecifiers), text);
  const hit = compiledFiles.get(key) ?? readCached<CompiledFile>(folder, key);
  if (hit) {
    compiledFiles.set(key, hit);
    return hit;
  }
  const out = rel.endsWith('.ts') ? transpile(rel, text) : { js: text, diagnostics: [] };
  const result: CompiledFile = { ...out, specifiers: withSpecifiers && /\.[cm]?[jt]s$/.test(rel) ? specifiersOf(text) : [] };
  compiledFiles.set(key, result);
  writeCached(folder, key, result);
  return result;
}

const compiledFiles = new Map<string, CompiledFile>();

/** A lab's code files (not its data, .json) are compiled by the grader: at most this many characters each. */
export const MAX_LAB_SOURCE_CHARS = 256 * 1024;
const CODE_FILE = /\.[cm]?[jt]sx?$/;

export function buildModules(harnessRoot: string, tree: SourceTree, entries: string[], opsRel: string): BuiltModules {
  const files: Record<string, string> = {};
  const resolutions: Record<string, Record<string, string>> = {};
  const problems: SourceDiagnostic[] = [];
  const readRel = (rel: string): string | undefined => {
    if (rel.startsWith('labs/')) return tree.read(rel);
    const file = path.join(harnessRoot, rel);
    return fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
  };
  const refusal = (rel: string): string | undefined => (rel.startsWith('labs/') ? tree.refusal?.(rel) : undefined);
  const queue = [...entries, opsRel];
  const seen = new Set<string>();
  const glueProblems: SpecIssue[] = [];
  while (queue.length) {
    const rel = queue.shift()!;
    if (seen.has(rel)) continue;
    seen.add(rel);
    const v = `${VIRTUAL_ROOT}/${rel}`;
    const text = readRel(rel);
    if (text === undefined) {
      const refused = refusal(rel);
      problems.push({ kind: refused === undefined ? 'missing' : 'forbidden_link', file: rel, line: 0, column: 0, message: refused ?? `missing file ${rel}` });
      continue;
    }
    const isLab = rel.startsWith('labs/');
    if (isLab && CODE_FILE.test(rel) && text.length > MAX_LAB_SOURCE_CHARS) {
      // Compiling it would cost the grader's own time, which no budget bounds.
      problems.push({ kind: 'too_large', file: rel, line: 0, column: 0, message: `${rel} is ${(text.length / 1024).toFixed(0)} KB: a lab's code file may be at most ${MAX_LAB_SOURCE_CHARS / 1024} KB (the reference's largest is 17 KB), so it was not compiled` });
      continue;
    }
    const isGlue = rel === opsRel || rel === KIT;
    const forbidden = new Set<string>();
    const file = compiled(harnessRoot, rel, text, isLab || isGlue);
    for (const s of file.specifiers) {
      if (!isLab || !leavesLabs(rel, s.spec) || forbidden.has(s.spec)) continue;
      forbidden.add(s.spec);
      problems.push(forbiddenImport(rel, s.spec, s.line, s.column));
    }
    const js = file.js;
    if (isLab) problems.push(...file.diagnostics);
    files[v] = js;
    resolutions[v] = {};
    if (rel.endsWith('.json')) continue;
    for (const spec of requiresOf(js)) {
      if (isLab && leavesLabs(rel, spec)) {
        // Found in the source already, with its line (an escaped string reads differently here).
        if (forbidden.size === 0) problems.push(forbiddenImport(rel, spec));
        continue;
      }
      if (isGlue) {
        const base = spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)) : undefined;
        if (rel === KIT || !base || !EXTENSIONS.some((ext) => base + ext === KIT)) {
          glueProblems.push(glueImport(rel, spec, file.specifiers));
          continue;
        }
      }
      if (spec.startsWith('.')) {
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
        // A refused file is taken too, so that reading it reports the link.
        const found = EXTENSIONS.map((ext) => base + ext).find((c) => readRel(c) !== undefined) ?? EXTENSIONS.map((ext) => base + ext).find((c) => refusal(c) !== undefined);
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
  if (glueProblems.length) throw new SpecError(glueProblems);
  return { modules: { files, resolutions, entries: entries.map((e) => `${VIRTUAL_ROOT}/${e}`), ops: `${VIRTUAL_ROOT}/${opsRel}` }, problems };
}

/** The lab author's kit: the one runtime import an ops file may have (it runs in the student process). */
export const KIT = 'graders/engine/kit.ts';

/**
 * A runtime import of an ops file (or of the kit) other than the kit: the graders' bug, told
 * with the file, line and import. Without this rule the import would be shipped into the
 * student process (an engine file) or fail to load there (a package) with no word of why.
 */
function glueImport(rel: string, spec: string, specifiers: Specifier[]): SpecIssue {
  const at = specifiers.find((s) => s.spec === spec);
  const message =
    rel === KIT
      ? `the kit imports '${spec}' at run time: it is shipped into the student process and may import nothing (types only: \`import type\`)`
      : `imports '${spec}' at run time: an ops file runs inside the student process, where its only runtime import may be the kit (${KIT}); import types with \`import type\`, and move grader-side code (drawing inputs, evaluate) to graders/<lab>.inputs.ts, which may import anything`;
  return { file: rel, line: at?.line, column: at?.column, path: '', message };
}
