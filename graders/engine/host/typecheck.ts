/**
 * Type errors in a student's lab, reported as notes: student code is only transpiled to run
 * (fast, and a type error should not cost a crash), and this tells the student what the
 * compiler thinks. Library declaration files are parsed once per process and reused.
 *
 * The compiler sees only what a lab may use: the submission's labs/ (through `tree`, which
 * refuses links), TypeScript's own lib files, and the declaration files of @types/node and of
 * the packages labs may import (and of what those declarations depend on). Any other file, the
 * reference included, does not exist for it: an import of one is a "cannot find module" note,
 * never its content. Notes name files relative to the graders' root, never by absolute path.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as TS from 'typescript';
import { cacheFolder, contentKey, readCached, typescriptVersion, writeCached } from './disk-cache';
import { ALLOWED_PACKAGES, SourceTree, typescript } from './modules';

const libFiles = new Map<string, TS.SourceFile>();

const DECLARATION = /(\.d\.[cm]?ts|[/\\]package\.json)$/;

/** `@stdlib/math-base-special-erf` -> `@types/stdlib__math-base-special-erf`, as DefinitelyTyped names it. */
function typesPackage(name: string): string {
  return `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
}

/** The folders of the packages whose declarations labs may see, with the packages those depend on. */
function declarationFolders(root: string): string[] {
  const queue = ['@types/node', ...ALLOWED_PACKAGES, ...ALLOWED_PACKAGES.map(typesPackage)];
  const found = new Set<string>();
  while (queue.length) {
    const name = queue.shift()!;
    const dir = path.join(root, 'node_modules', ...name.split('/'));
    if (found.has(dir) || !fs.existsSync(path.join(dir, 'package.json'))) continue;
    found.add(dir);
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      queue.push(...Object.keys(pkg.dependencies ?? {}));
    } catch {
      // an unreadable package.json: its own declarations are still there
    }
  }
  return [...found];
}

/** Whether `file` is `dir` or under it (both absolute and normalized). */
function within(file: string, dir: string): boolean {
  return file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

function memo<T>(f: (key: string) => T): (key: string) => T {
  const seen = new Map<string, T>();
  return (key) => {
    if (!seen.has(key)) seen.set(key, f(key));
    return seen.get(key)!;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` with the graders' root written away: "/home/ta/harness/labs/x" -> "labs/x". */
function withoutRoot(root: string, text: string): string {
  const forms = [...new Set([root, root.split(path.sep).join('/')])].map((r) => escapeRegExp(r.replace(/[/\\]+$/, '')) + '[/\\\\]');
  return text.replace(new RegExp(forms.join('|'), process.platform === 'win32' ? 'gi' : 'g'), '');
}

const TYPECHECK_VERSION = '1';

interface CachedCheck {
  /** Every file of the tree the compiler asked for, with a hash of what it read (null: absent). */
  reads: Record<string, string | null>;
  notes: string[];
}

const digest = (text: string | undefined) => (text === undefined ? null : contentKey(text));

/**
 * The type-check's notes, kept on disk with the hash of every submission file the compiler
 * read: unchanged files give the same notes without loading the compiler.
 */
export function typeErrors(graders: string, tree: SourceTree, files: string[], limit = 10): string[] {
  const folder = cacheFolder(path.resolve(graders), 'typecheck');
  const key = contentKey(TYPECHECK_VERSION, typescriptVersion(graders), String(limit), ...files.flatMap((f) => [f, tree.read(f) ?? '\0absent']));
  const cached = readCached<CachedCheck>(folder, key);
  if (cached && Object.entries(cached.reads).every(([rel, hash]) => digest(tree.read(rel)) === hash)) return cached.notes;
  const reads: Record<string, string | null> = {};
  const recording: SourceTree = {
    ...tree,
    read: (rel) => {
      const text = tree.read(rel);
      reads[rel] = digest(text);
      return text;
    },
  };
  const notes = checkTypes(graders, recording, files, limit);
  writeCached(folder, key, { reads, notes } satisfies CachedCheck);
  return notes;
}

function checkTypes(graders: string, tree: SourceTree, files: string[], limit: number): string[] {
  const ts = typescript();
  const root = path.resolve(graders);
  const labsDir = path.join(root, 'labs');
  const options: TS.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [path.join(root, 'node_modules', '@types')],
  };
  const host = ts.createCompilerHost(options);
  const libDir = path.dirname(ts.getDefaultLibFilePath(options));
  const packages = declarationFolders(root);
  const rel = (file: string) => path.relative(root, path.resolve(file)).split(path.sep).join('/');
  // Lab code has no packages of its own (the student process gets only the allowed ones).
  const inTree = memo((file) => {
    const f = path.resolve(file);
    return within(f, labsDir) && !f.slice(labsDir.length).split(path.sep).includes('node_modules');
  });
  const visible = memo((file) => {
    const f = path.resolve(file);
    return within(f, libDir) || (DECLARATION.test(f) && packages.some((dir) => within(f, dir)));
  });
  /** Folders on the way to the visible files (root/node_modules/@types), or among them. */
  const onTheWay = (dir: string) => {
    const d = path.resolve(dir);
    return within(d, labsDir) || within(d, libDir) || packages.some((p) => (within(p, d) && within(d, root)) || within(d, p));
  };
  const { fileExists, readFile, getSourceFile, directoryExists, getDirectories } = host;
  host.fileExists = (f) => (inTree(f) ? tree.read(rel(f)) !== undefined : visible(f) && fileExists.call(host, f));
  host.readFile = (f) => (inTree(f) ? tree.read(rel(f)) : visible(f) ? readFile.call(host, f) : undefined);
  host.directoryExists = memo((d) => onTheWay(d) && (inTree(d) || (directoryExists?.call(host, d) ?? true)));
  host.getDirectories = (d) => (onTheWay(d) && !inTree(d) ? getDirectories!.call(host, d) : []);
  host.realpath = (f) => f; // links are the tree's business; a real path must not lead the compiler out
  host.getSourceFile = (f, lang, onError, create) => {
    if (inTree(f)) {
      const text = tree.read(rel(f));
      return text === undefined ? undefined : ts.createSourceFile(f, text, lang, true);
    }
    if (!visible(f)) return undefined;
    const hit = libFiles.get(f);
    if (hit) return hit;
    const sf = getSourceFile.call(host, f, lang, onError, create);
    if (sf) libFiles.set(f, sf);
    return sf;
  };
  const program = ts.createProgram(
    files.map((f) => path.join(root, f)),
    options,
    host,
  );
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file && inTree(d.file.fileName));
  const notes = diagnostics.slice(0, limit).map((d) => {
    const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    return `type error at ${rel(d.file!.fileName)}:${line + 1}:${character + 1}: ${withoutRoot(root, ts.flattenDiagnosticMessageText(d.messageText, ' '))}`;
  });
  if (diagnostics.length > limit) notes.push(`... and ${diagnostics.length - limit} more type errors`);
  return notes;
}
