/**
 * Code similarity across a class, one lab at a time, with Dolos's winnowing (the algorithm of
 * MOSS, as implemented by Ghent University's Dolos): each submission's syntax-tree tokens
 * (code.ts) are cut into k-grams, a few of which are kept as fingerprints, and two
 * submissions are similar when many of their fingerprints are the same.
 *
 * Two kinds of shared code are not a signal, and Dolos is told to ignore them:
 * - the stub (the starter code everyone was given), as Dolos's "template";
 * - common code: a fingerprint that more than a share of the class has (`commonShare`, and
 *   never fewer than `commonFloor` students) is the natural way to write it.
 *
 * A pair's similarity is the share of their distinctive code (neither the stub nor common
 * code) that they share with each other, (covered_a + covered_b) / (distinctive_a +
 * distinctive_b), counted in k-grams; a pair is listed only when that shared code is also
 * substantial (`minSharedKgrams`, about ten lines), so that two copies of the common solution
 * with one identical small change are not "100% similar". The share of all their code outside
 * the stub is given beside it. Pure apart from Dolos's own bookkeeping.
 */
import { createHash } from 'crypto';
import type * as DolosCore from '@dodona/dolos-core';
import type { Fragment as DolosFragment, TokenizedFile } from '@dodona/dolos-core';
import { LabDocument, TokenCache, dolosCore, labDocument, placeOf } from './code';

export interface SimilarityOptions {
  /** Pairs at least this similar (0-1) are listed. */
  threshold: number;
  /** A fingerprint in more than this share of the class is common code. */
  commonShare: number;
  /** ...and in more than this many students. */
  commonFloor: number;
  /** Tokens per k-gram and k-grams per winnowing window (Dolos's defaults). */
  kgramLength?: number;
  kgramsInWindow?: number;
  /** Pairs sharing fewer k-grams than this (on average over the two) are not listed. */
  minSharedKgrams?: number;
  /** Fragments shown per pair. */
  fragmentsShown?: number;
}

export const DEFAULT_SIMILARITY: SimilarityOptions = { threshold: 0.6, commonShare: 0.1, commonFloor: 5 };

/** A span of one submission's code. */
export interface CodeSpan {
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  lines: string[];
}

/** A stretch of code two submissions share, side by side. */
export interface SharedFragment {
  /** Its length in k-grams (fingerprints in a row). */
  kgrams: number;
  a: CodeSpan;
  b: CodeSpan;
}

export interface SimilarPair {
  lab: string;
  a: string;
  b: string;
  similarity: number;
  /** The share of all their code outside the stub that they share. */
  ofOwnCode: number;
  /** The k-grams each has that the other has too. */
  sharedA: number;
  sharedB: number;
  /** The longest run of shared fingerprints, in k-grams. */
  longest: number;
  /** The longest shared fragments, longest first (none for identical files). */
  fragments: SharedFragment[];
  /** Their lab's files are byte-for-byte the same. */
  identical: boolean;
}

export interface LabSimilarity {
  lab: string;
  /** Students whose code was compared (those with code beyond the stub). */
  compared: number;
  /** Fingerprints found in more than this many students were common code. */
  commonAbove: number;
  pairs: SimilarPair[];
}

export interface StudentCode {
  student: string;
  /** The lab's files in the submission (repository-relative path to text). */
  files: Record<string, string>;
}

interface Entry {
  /** The students who handed in this code. */
  students: string[];
  doc: LabDocument;
  file: TokenizedFile;
  /** K-grams outside the stub. */
  own: number;
  /** ...and outside common code. */
  distinctive: number;
}

function spanOf(doc: LabDocument, region: { startRow: number; endRow: number }): CodeSpan {
  const lines = doc.text.split('\n');
  const start = placeOf(doc, region.startRow);
  const end = placeOf(doc, region.endRow);
  const path = start?.path ?? '';
  // A fragment that runs over the end of one file into the next is shown up to that end.
  const endLine = end && end.path === path ? end.line : (doc.parts.find((p) => p.path === path)?.lineCount ?? region.endRow - region.startRow + 1);
  const startLine = start?.line ?? 1;
  return { path, startLine, endLine, lines: lines.slice(region.startRow, region.startRow + (endLine - startLine) + 1) };
}

function fragmentOf(a: Entry, b: Entry, f: DolosFragment): SharedFragment {
  return { kgrams: f.pairs.length, a: spanOf(a.doc, f.leftSelection), b: spanOf(b.doc, f.rightSelection) };
}

/**
 * The pairs of students at least `threshold` similar on one lab, most similar first. `stub`
 * is the lab's starter code (repository-relative path to text).
 *
 * Byte-identical submissions (copies, untouched stubs, a class of generated ones) are indexed
 * once, with the number of students who handed them in: common code is counted in students, and
 * every student of a copy is paired with every student of a similar one.
 */
export function labSimilarity(lab: string, stub: Record<string, string>, students: StudentCode[], options: SimilarityOptions = DEFAULT_SIMILARITY): LabSimilarity {
  const { File, TokenizedFile, FingerprintIndex } = dolosCore();
  const k = options.kgramLength ?? 23;
  const w = options.kgramsInWindow ?? 17;
  const tokenized = (name: string, doc: LabDocument) => new TokenizedFile(new File(name, doc.text), doc.tokens, doc.regions);

  const copies = new Map<string, { students: string[]; files: Record<string, string> }>();
  for (const s of students) {
    const h = createHash('sha256');
    for (const f of Object.keys(s.files).sort()) h.update(`${f.length}:${f}${s.files[f].length}:`).update(s.files[f]);
    const key = h.digest('hex');
    const copy = copies.get(key);
    if (copy) copy.students.push(s.student);
    else copies.set(key, { students: [s.student], files: s.files });
  }
  const cache: TokenCache = new Map();
  const docs = [...copies.values()].map((c) => ({ students: c.students, doc: labDocument(c.files, cache) })).filter((d) => d.doc.tokens.length > 0);
  const stubFile = tokenized('stub', labDocument(stub, cache));
  const files = docs.map((d, i) => tokenized(`${i}`, d.doc));
  const holders = new Map(files.map((f, i) => [f, docs[i].students.length]));
  const commonAbove = Math.max(options.commonFloor, Math.floor(options.commonShare * docs.reduce((n, d) => n + d.students.length, 0)));

  // Common code (in more than `commonAbove` students), then the stub, are ignored once every
  // file is in: Dolos ignores a fingerprint by moving it out of every file that has it.
  const index = new FingerprintIndex(k, w, false);
  if (files.length) index.addFiles(files);
  const studentsWith = (shared: DolosCore.SharedFingerprint) => shared.files().reduce((n, f) => n + (holders.get(f) ?? 0), 0);
  index.addIgnoredHashes(index.sharedFingerprints().filter((shared) => studentsWith(shared) > commonAbove).map((shared) => shared.hash));
  index.addIgnoredFile(stubFile);

  // What each submission has of its own: its k-grams less the stub's, and less common code.
  const byFile = new Map<TokenizedFile, Entry>();
  index.entries().forEach((entry, i) => {
    let fromStub = 0;
    let common = 0;
    for (const shared of entry.ignored) {
      const n = shared.occurrencesOf(entry.file).length;
      if (shared.includesFile(stubFile)) fromStub += n;
      else common += n;
    }
    const own = entry.kgrams.length - fromStub;
    byFile.set(entry.file, { students: docs[i].students, doc: docs[i].doc, file: entry.file, own, distinctive: own - common });
  });
  const minShared = options.minSharedKgrams ?? 20;
  const compared = [...byFile.values()].filter((e) => e.own > 0);
  const inClass = new Set(compared.map((e) => e.file));

  // Covered k-grams of every pair of submissions that share a fingerprint, from the index alone
  // (cheap); Dolos's pairs and fragments are built only for the pairs above the threshold.
  const covered = new Map<string, { a: Entry; b: Entry; ca: number; cb: number }>();
  for (const shared of index.sharedFingerprints()) {
    if (shared.ignored) continue;
    const having = shared.files().filter((f) => inClass.has(f));
    for (let i = 0; i < having.length; i++) {
      for (let j = i + 1; j < having.length; j++) {
        const [x, y] = having[i].id < having[j].id ? [having[i], having[j]] : [having[j], having[i]];
        const key = `${x.id}:${y.id}`;
        let c = covered.get(key);
        if (!c) covered.set(key, (c = { a: byFile.get(x)!, b: byFile.get(y)!, ca: 0, cb: 0 }));
        c.ca += shared.occurrencesOf(x).length;
        c.cb += shared.occurrencesOf(y).length;
      }
    }
  }

  const pairs: SimilarPair[] = [];
  const add = (a: string, b: string, pair: Omit<SimilarPair, 'lab' | 'a' | 'b'>) => pairs.push(a < b ? { lab, a, b, ...pair } : { lab, a: b, b: a, ...pair, sharedA: pair.sharedB, sharedB: pair.sharedA, fragments: pair.fragments.map((f) => ({ ...f, a: f.b, b: f.a })) });
  for (const { a, b, ca, cb } of covered.values()) {
    if ((ca + cb) / 2 < minShared) continue;
    const similarity = Math.min(1, (ca + cb) / (a.distinctive + b.distinctive));
    if (similarity < options.threshold) continue;
    const pair = index.getPair(a.file, b.file);
    const fragments = pair
      .buildFragments()
      .sort((x, y) => y.pairs.length - x.pairs.length)
      .slice(0, options.fragmentsShown ?? 3)
      .map((f) => fragmentOf(a, b, f));
    const found = { similarity, ofOwnCode: (ca + cb) / (a.own + b.own), sharedA: ca, sharedB: cb, longest: pair.longest, fragments, identical: false };
    for (const sa of a.students) for (const sb of b.students) add(sa, sb, found);
  }
  // Students who handed in the same files: all of their distinctive code is shared.
  for (const e of compared) {
    if (e.students.length < 2 || e.distinctive < minShared) continue;
    const found = { similarity: 1, ofOwnCode: e.distinctive / e.own, sharedA: e.distinctive, sharedB: e.distinctive, longest: e.distinctive, fragments: [], identical: true };
    e.students.forEach((sa, i) => e.students.slice(i + 1).forEach((sb) => add(sa, sb, found)));
  }
  pairs.sort((x, y) => y.similarity - x.similarity || y.longest - x.longest || (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
  return { lab, compared: compared.reduce((n, e) => n + e.students.length, 0), commonAbove, pairs };
}
