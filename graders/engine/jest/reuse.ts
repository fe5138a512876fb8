/**
 * A student's `npm test` after editing one lab: the labs whose code did not change are not
 * graded again. A lab's outcome is kept under a key made of everything it depends on — the
 * bytes of the submission's labs/<lab>/ and labs/common/, the graders (rubric, adapters,
 * expected values or reference, fixtures, the engine and writers), the sandbox, the Node
 * version and the items selected — so a kept outcome is the one grading would give again.
 * Outcomes that depend on the machine's speed or state (a timeout, memory, a crash) are never
 * kept. Only the student's own runs use this: CI and `npm test -- --no-cache` grade everything
 * (GRADECHECK_REGRADE=1 too), and the official grades come from CI or the TA's batch anyway.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { LabResult } from '../core/results';
import type { LabPlan } from './plan';

/** Statuses that say something about the machine or the moment, not only about the code. */
const UNSTABLE = new Set(['timed_out', 'out_of_memory', 'crashed', 'load_error']);

export interface Kept {
  plan: LabPlan;
  result: LabResult;
}

/** Every regular file under `dir` (relative paths, sorted); undefined when a link is met (never kept). */
function filesOf(dir: string): string[] | undefined {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string): boolean => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) return false;
      if (e.isDirectory()) {
        if (!walk(r)) return false;
      } else if (e.isFile()) out.push(r);
    }
    return true;
  };
  return walk('') ? out : undefined;
}

/** A hash of every file under base/rel (path and bytes), or undefined when a link is met. */
function hashTree(base: string, rel: string): string | undefined {
  const files = filesOf(path.join(base, rel));
  if (!files) return undefined;
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`\0${rel}/${f}\0`);
    h.update(fs.readFileSync(path.join(base, rel, f)));
  }
  return h.digest('hex');
}

/** The graders (engine, writers, adapters, expected values) are the same for every lab of a run: hashed once. */
const gradersHashes = new Map<string, string | undefined>();

/** The key of a lab's outcome, or undefined when it must be graded (a link in the submission). */
export function reuseKey(opts: { root: string; submission: string; lab: string; sandbox: string; pattern?: string | null }): string | undefined {
  if (!gradersHashes.has(opts.root)) gradersHashes.set(opts.root, hashTree(opts.root, 'graders'));
  const parts = [
    gradersHashes.get(opts.root),
    hashTree(opts.submission, `labs/${opts.lab}`),
    hashTree(opts.submission, 'labs/common'),
    hashTree(opts.root, `reference/${opts.lab}`),
    hashTree(opts.root, `fixtures/cases`),
    hashTree(opts.root, `fixtures/mutants/${opts.lab}`),
    hashTree(opts.root, `rubrics`),
  ];
  if (parts.some((p) => p === undefined)) return undefined;
  const h = createHash('sha256');
  h.update(JSON.stringify({ node: process.version, platform: process.platform, sandbox: opts.sandbox, pattern: opts.pattern ?? null, lab: opts.lab, parts }));
  return h.digest('hex').slice(0, 32);
}

function keptFile(root: string, lab: string, key: string): string {
  return path.join(root, 'node_modules', '.cache', 'gradecheck', 'outcomes', `${lab}-${key}.json`);
}

export function readKept(root: string, lab: string, key: string): Kept | undefined {
  try {
    const kept = JSON.parse(fs.readFileSync(keptFile(root, lab, key), 'utf8')) as Kept;
    return kept.plan?.lab === lab && Array.isArray(kept.result?.items) ? kept : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps an outcome, unless an item's status depends on the machine. */
export function keep(root: string, lab: string, key: string, kept: Kept): void {
  if (kept.result.items.some((i) => UNSTABLE.has(i.status)) || UNSTABLE.has(kept.result.status ?? '')) return;
  const file = keptFile(root, lab, key);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify(kept));
    fs.renameSync(`${file}.${process.pid}`, file);
  } catch {
    /* a read-only checkout grades every time */
  }
}
