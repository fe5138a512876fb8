/**
 * Type errors in a student's lab, reported as notes: student code is only transpiled to run
 * (fast, and a type error should not cost a crash), and this tells the student what the
 * compiler thinks. Library declaration files are parsed once per process and reused.
 */
import * as path from 'path';
import type * as TS from 'typescript';
import { SourceTree, typescript } from './modules';

const libFiles = new Map<string, TS.SourceFile>();

export function typeErrors(root: string, tree: SourceTree, files: string[], limit = 10): string[] {
  const ts = typescript();
  const labsDir = path.join(root, 'labs') + path.sep;
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
  const rel = (file: string) => path.relative(root, file).split(path.sep).join('/');
  const inTree = (file: string) => path.resolve(file).startsWith(labsDir);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => (inTree(f) ? tree.read(rel(f)) !== undefined : fileExists.call(host, f));
  host.readFile = (f) => (inTree(f) ? tree.read(rel(f)) : readFile.call(host, f));
  host.getSourceFile = (f, lang, onError, create) => {
    if (inTree(f)) {
      const text = tree.read(rel(f));
      return text === undefined ? undefined : ts.createSourceFile(f, text, lang, true);
    }
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
    return `type error at ${rel(d.file!.fileName)}:${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
  if (diagnostics.length > limit) notes.push(`... and ${diagnostics.length - limit} more type errors`);
  return notes;
}
