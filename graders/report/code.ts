/**
 * A student's code for one lab as the similarity check sees it: the lab's files joined into one
 * document, and that document as a sequence of syntax-tree tokens for Dolos.
 *
 * The tokens are the TypeScript compiler's syntax tree written out as `( kind children )`, the
 * way Dolos writes a tree-sitter tree: node kinds only, so renaming variables, editing comments
 * or reformatting changes nothing, and reordering functions only moves the fragments. The
 * compiler is already the harness's own dependency, so this needs no native parser (Dolos's
 * tree-sitter grammars are native add-ons that must be compiled on install).
 */
import type * as TS from 'typescript';
import type * as DolosCore from '@dodona/dolos-core';
import { MAX_LAB_SOURCE_CHARS } from '../engine/host/modules';

/** Dolos's core, an ES module: Node 20.19+ requires it as it is, Jest compiles it (jest.config.js). */
export function dolosCore(): typeof DolosCore {
  return require('@dodona/dolos-core') as typeof DolosCore;
}

let ts: typeof TS | undefined;
/** The compiler, loaded on first use (it takes a while to load). */
function compiler(): typeof TS {
  return (ts ??= require('typescript') as typeof TS);
}

/** One file of a document: where its lines start in the joined text. */
export interface DocumentPart {
  /** Repository-relative path (`labs/rnn/lstm.ts`). */
  path: string;
  /** Its first line in the document (0-based). */
  firstRow: number;
  lineCount: number;
}

export interface LabDocument {
  text: string;
  parts: DocumentPart[];
  tokens: string[];
  /** Each token's place in `text` (0-based rows and columns); a node's three tokens share one. */
  regions: DolosCore.Region[];
}

/** Node kinds as token strings, made once. */
const KIND: string[] = [];

/**
 * Appends a node's tokens: `(`, its kind, its children, `)`. As in Dolos's tree-sitter
 * tokenizer, the three share one region, which starts where the node does and ends where its
 * first child starts, so a fragment's region covers the code it matched and no more.
 */
function walk(node: TS.Node, at: Locator, out: Pick<LabDocument, 'tokens' | 'regions'>, Region: typeof DolosCore.Region): DolosCore.Region {
  const start = node.getStart(at.sf);
  const startRow = at.row(start);
  const endRow = at.row(node.end);
  const region = new Region(startRow, start - at.lineStarts[startRow], endRow, node.end - at.lineStarts[endRow]);
  out.tokens.push('(', (KIND[node.kind] ??= String(node.kind)));
  out.regions.push(region, region);
  node.forEachChild((child) => {
    const { startRow, startCol } = walk(child, at, out, Region);
    if (startRow < region.endRow || (startRow === region.endRow && startCol < region.endCol)) {
      region.endRow = startRow;
      region.endCol = startCol;
    }
  });
  out.tokens.push(')');
  out.regions.push(region);
  return region;
}

/** Rows of positions in one file, by binary search in its line starts (no object per lookup). */
interface Locator {
  sf: TS.SourceFile;
  lineStarts: readonly number[];
  row(pos: number): number;
}

function locator(sf: TS.SourceFile): Locator {
  const lineStarts = sf.getLineStarts();
  return {
    sf,
    lineStarts,
    row(pos) {
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid] <= pos) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
  };
}

/** One file's tokens, with rows counted from its first line. */
interface FileTokens {
  tokens: string[];
  regions: DolosCore.Region[];
}

/** Files tokenized so far, by kind and text: a class's files repeat (provided files, copies). */
export type TokenCache = Map<string, FileTokens>;

function fileTokens(file: string, text: string, Region: typeof DolosCore.Region): FileTokens {
  const { createSourceFile, ScriptTarget, ScriptKind, JSDocParsingMode } = compiler();
  // Comments are no tokens: their JSDoc is not even parsed.
  const options = { languageVersion: ScriptTarget.Latest, jsDocParsingMode: JSDocParsingMode.ParseNone };
  const sf = createSourceFile(file, text, options, false, file.endsWith('.js') ? ScriptKind.JS : ScriptKind.TS);
  const out: FileTokens = { tokens: [], regions: [] };
  const at = locator(sf);
  sf.forEachChild((node) => void walk(node, at, out, Region));
  return out;
}

/** The same regions `rows` lower, each shared by the same tokens as before. */
function shifted(regions: DolosCore.Region[], rows: number, Region: typeof DolosCore.Region): DolosCore.Region[] {
  if (rows === 0) return regions;
  const moved = new Map<DolosCore.Region, DolosCore.Region>();
  return regions.map((r) => {
    let m = moved.get(r);
    if (!m) moved.set(r, (m = new Region(r.startRow + rows, r.startCol, r.endRow + rows, r.endCol)));
    return m;
  });
}

/**
 * The lab's files (path to text), in path order, joined into one document and tokenized.
 * Files that are not TypeScript or JavaScript are left out, and so is one too large for the
 * grader to compile (MAX_LAB_SOURCE_CHARS: its lab was not graded either); a file that does not
 * parse is tokenized as far as the compiler's error recovery goes.
 */
export function labDocument(files: Record<string, string>, cache: TokenCache = new Map()): LabDocument {
  const doc: LabDocument = { text: '', parts: [], tokens: [], regions: [] };
  const { Region } = dolosCore();
  const texts: string[] = [];
  let row = 0;
  for (const file of Object.keys(files).sort()) {
    if (!/\.(ts|js)$/.test(file) || files[file].length > MAX_LAB_SOURCE_CHARS) continue;
    const text = files[file].replace(/\r\n?/g, '\n');
    const key = `${file.endsWith('.js') ? 'js' : 'ts'}\0${text}`;
    let ft = cache.get(key);
    if (!ft) cache.set(key, (ft = fileTokens(file, text, Region)));
    // Appended one by one: a spread of a large file's tokens would overflow the call's arguments.
    for (const t of ft.tokens) doc.tokens.push(t);
    for (const r of shifted(ft.regions, row, Region)) doc.regions.push(r);
    let lineCount = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineCount++;
    doc.parts.push({ path: file, firstRow: row, lineCount });
    texts.push(text);
    row += lineCount;
  }
  doc.text = texts.join('\n');
  return doc;
}

/** Where a document row is: its file and 1-based line. */
export function placeOf(doc: Pick<LabDocument, 'parts'>, row: number): { path: string; line: number } | undefined {
  const part = doc.parts.find((p) => row >= p.firstRow && row < p.firstRow + p.lineCount);
  return part && { path: part.path, line: row - part.firstRow + 1 };
}
