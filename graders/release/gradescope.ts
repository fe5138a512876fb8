/**
 * A Gradescope autograder zip (Gradescope's "Autograder Specifications"): setup.sh and
 * run_autograder at the root of the archive, which Gradescope extracts into /autograder/source,
 * and beside them a release of the graders with every item, hidden ones included, and their
 * expected values (no reference/, no mutants). The zip is for instructors only: it is uploaded to
 * Gradescope, where student code runs sandboxed and cannot read it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipSync, Zippable } from 'fflate';
import { buildRelease, EXECUTABLES, Release } from './build';
import { findLeaks, Leak } from './leaks';

export interface GradescopeOptions {
  root: string;
  /** The zip file to write. */
  out: string;
  labs?: string[];
  onProgress?: (message: string) => void;
}

export interface GradescopeAutograder {
  zip: string;
  release: Release;
  /** Reference code found in the zip (there should be none). */
  leaks: Leak[];
  bytes: number;
}

/** Zip entries get a fixed date, so the same graders make the same zip. */
const MTIME = new Date('2026-01-01T00:00:00Z');

export async function buildGradescope(opts: GradescopeOptions): Promise<GradescopeAutograder> {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'gradecheck-gradescope-'));
  try {
    const release = await buildRelease({ root: opts.root, out: path.join(staging, 'source'), labs: opts.labs, kind: 'gradescope', onProgress: opts.onProgress });
    const leaks = await findLeaks({ root: opts.root, release: release.dir, labs: release.labs, allowHidden: true });
    const entries: Zippable = {};
    for (const rel of release.files) {
      const mode = EXECUTABLES.has(rel) ? 0o100755 : 0o100644;
      // Unix (os 3) permissions live in the high 16 bits of the external attributes.
      entries[rel] = [new Uint8Array(fs.readFileSync(path.join(release.dir, rel))), { os: 3, attrs: (mode << 16) >>> 0, mtime: MTIME }];
    }
    const zip = zipSync(entries, { level: 9 });
    const out = path.resolve(opts.out);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, zip);
    return { zip: out, release: { ...release, dir: '(in the zip)' }, leaks, bytes: zip.length };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
