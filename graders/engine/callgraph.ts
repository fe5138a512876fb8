/**
 * Which of a lab's exported functions each one calls, read from the reference's source: the
 * encoder layer calls layer norm, attention and the feed-forward block. An item exercises the
 * functions its op uses and everything they call, so when one of them has already run past
 * its time budget, the item knows before it runs it.
 */
import type * as TS from 'typescript';
import { typescript } from './modules';

/**
 * For each exported function of the files, the other exported functions it calls directly or
 * through the files' own unexported helpers (`embedWithPositions` calls `positionalEncoding`).
 */
export function directCalls(sources: Record<string, string>): Record<string, string[]> {
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
  for (const name of exported) {
    const reached = new Set<string>();
    const seen = new Set<string>([name]);
    const queue = [...(mentions.get(name) ?? [])];
    while (queue.length) {
      const f = queue.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      if (exported.has(f)) reached.add(f);
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
