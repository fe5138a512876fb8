/** Listing a part of a checkout (the harness, a release, a submission) as repository-relative paths. */
import * as fs from 'fs';
import * as path from 'path';

/**
 * The regular files under `rel` of `root` (itself when it is a file), as paths relative to
 * `root` with '/', sorted; nothing when it does not exist. Folders for which `skip(name)`
 * holds are left out; symbolic links are never followed.
 */
export function filesUnder(root: string, rel = '', skip: (folder: string) => boolean = () => false): string[] {
  const abs = path.join(root, rel);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(abs);
  } catch {
    return [];
  }
  if (stat.isFile()) return [rel];
  if (!stat.isDirectory()) return [];
  return fs
    .readdirSync(abs, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) return skip(e.name) ? [] : filesUnder(root, r, skip);
      return e.isFile() ? [r] : [];
    });
}
