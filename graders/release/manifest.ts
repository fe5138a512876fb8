/**
 * What a release is, written into it as `.gradecheck-release` (JSON): its kind, its labs, which
 * graders its workflow uses (the release's own, or the instructor's repository), and, per lab,
 * the items it leaves out, by count and points only. The student README is generated from it,
 * so that every sentence holds for that release, and the graders read it to say what a run does
 * not grade ("+ 4 hidden points (3 items), graded after the deadline").
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';

/** Written in every release, so that `--force` only ever replaces a release. */
export const RELEASE_MARKER = '.gradecheck-release';

export const RELEASE_FORMAT = 'gradecheck/release';

export const ReleaseManifestSchema = z
  .object({
    format: z.literal(RELEASE_FORMAT),
    version: z.literal(1),
    kind: z.enum(['student', 'instructor', 'gradescope']),
    labs: z.array(z.string()),
    /** The assignment's name (its file's `name`), when it has one: Classroom 50's assignment. */
    assignment: z.string().optional(),
    /** A student release's workflow grades with this repository's graders (`owner/name`) by default. */
    instructor_repository: z.string().optional(),
    /** Per lab, the items not in the release: graded by the instructor's deadline run. */
    withheld: z.record(z.string(), z.object({ items: z.number().int().nonnegative(), max_score: z.number().nonnegative() }).strict()),
    /**
     * Per lab, how long the reference took on the cases the release ships (ms): a run starts its
     * longest lab first, ordered from this before it reads any lab's expected values.
     */
    reference_ms: z.record(z.string(), z.number().nonnegative()).optional(),
  })
  .strict();

export type ReleaseManifest = z.infer<typeof ReleaseManifestSchema>;

/** The manifest of the release at `root`; undefined for the harness (or a release of an older gradecheck). */
export function readReleaseManifest(root: string): ReleaseManifest | undefined {
  const file = path.join(root, RELEASE_MARKER);
  if (!fs.existsSync(file)) return undefined;
  try {
    return ReleaseManifestSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}
