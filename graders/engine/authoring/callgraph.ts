/**
 * Which of a lab's exported functions each one calls, read from the reference's source: the
 * encoder layer calls layer norm, attention and the feed-forward block. An item exercises the
 * functions its op uses and everything they call, so when one of them has already run past
 * its time budget, the item knows before it runs it.
 */
import type * as TS from 'typescript';
import { typescript } from '../host/modules';

/**
 * For each exported function of the files, the other exported functions it calls directly or
 * through the files' own unexported helpers (`embedWithPositions` calls `positionalEncoding`).
 * With `everything`, for every top-level declaration, every declaration it reaches.
 */
export function directCalls(sources: Record<string, string>, everything = false): Record<string, string[]> {
  const ts = typescript();
  const bodies = new Map<string, TS.Node>();
  const exported = new Set<string>();
  for (const [file, text] of Object.entries(sources)) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    for (const st of sf.statements) {
      const isExported = Boolean(ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword));
      const add = (name: string, body: TS.Node) => {
        bodies.set(name, body);
        if (isExported) exported.add(name);
      };
      if (ts.isFunctionDeclaration(st) && st.name && st.body) add(st.name.text, st.body);
      if (ts.isClassDeclaration(st) && st.name) add(st.name.text, st);
      if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) add(d.name.text, d.initializer);
      }
    }
  }
  const mentions = new Map<string, Set<string>>();
  for (const [name, body] of bodies) {
    const found = new Set<string>();
    const visit = (node: TS.Node): void => {
      if (ts.isIdentifier(node) && node.text !== name && bodies.has(node.text)) found.add(node.text);
      ts.forEachChild(node, visit);
    };
    visit(body);
    mentions.set(name, found);
  }
  const calls: Record<string, string[]> = {};
  for (const name of everything ? bodies.keys() : exported) {
    const reached = new Set<string>();
    const seen = new Set<string>([name]);
    const queue = [...(mentions.get(name) ?? [])];
    while (queue.length) {
      const f = queue.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      if (everything) {
        // Every declaration reached, directly or not (what a change anywhere on the way alters).
        reached.add(f);
        queue.push(...(mentions.get(f) ?? []));
      } else if (exported.has(f)) reached.add(f);
      else queue.push(...(mentions.get(f) ?? []));
    }
    calls[name] = [...reached].sort();
  }
  return calls;
}

/** The functions `roots` call, directly or not, with the roots themselves; sorted. */
export function exercised(calls: Record<string, string[]>, roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const f = queue.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    queue.push(...(calls[f] ?? []));
  }
  return [...seen].sort();
}

/** Each top-level declaration of a file: its text, by name; `null` holds everything else. */
function declarations(text: string): Map<string | null, string> {
  const ts = typescript();
  const sf = ts.createSourceFile('file.ts', text, ts.ScriptTarget.ES2022, true);
  const out = new Map<string | null, string>();
  let rest = '';
  for (const st of sf.statements) {
    const names: string[] = [];
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) names.push(st.name.text);
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
    if (names.length === 1) out.set(names[0], st.getText(sf));
    else rest += st.getText(sf) + '\n';
  }
  out.set(null, rest);
  return out;
}

/**
 * The exported functions of a lab that a change of one file can alter: those whose own text
 * changed, or that reach a changed declaration through the files' functions. `undefined` when
 * the change is outside any single declaration (types, imports, shared statements): then
 * anything may be altered.
 */
export function affectedExports(sources: Record<string, string>, file: string, changed: string): string[] | undefined {
  const before = declarations(sources[file] ?? '');
  const after = declarations(changed);
  if (before.get(null) !== after.get(null)) return undefined;
  const touched = new Set<string>();
  for (const [name, text] of after) if (name !== null && before.get(name) !== text) touched.add(name);
  for (const name of before.keys()) if (name !== null && !after.has(name)) touched.add(name);
  const calls = directCalls({ ...sources, [file]: changed }, true);
  const names = new Set([...Object.keys(calls), ...touched]);
  return [...names].filter((name) => exportedIn(sources, name) && (touched.has(name) || (calls[name] ?? []).some((f) => touched.has(f)))).sort();
}

function exportedIn(sources: Record<string, string>, name: string): boolean {
  return Object.values(sources).some((text) => new RegExp(`^export\\s+(?:async\\s+)?(?:function\\*?|const|let|class)\\s+${name}\\b`, 'm').test(text));
}
