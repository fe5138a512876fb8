/**
 * The release's package-lock.json, cut from the harness's: the packages its own package.json
 * needs, at exactly the harness's versions and tree positions, with npm's dev/optional flags
 * worked out again for the smaller root. So `npm ci` in a release installs only what the
 * harness's `npm ci` already put in the npm cache (it works offline after that).
 */

export interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [key: string]: unknown;
}

export interface Lockfile {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
  [key: string]: unknown;
}

interface Edge {
  name: string;
  dev: boolean;
  optional: boolean;
  peer: boolean;
}

function edgesOf(entry: LockEntry, isRoot: boolean): Edge[] {
  const edges: Edge[] = [];
  const add = (deps: Record<string, string> | undefined, kind: Partial<Edge>) => {
    for (const name of Object.keys(deps ?? {})) edges.push({ name, dev: false, optional: false, peer: false, ...kind });
  };
  add(entry.dependencies, {});
  add(entry.optionalDependencies, { optional: true });
  if (isRoot) add(entry.devDependencies, { dev: true });
  for (const name of Object.keys(entry.peerDependencies ?? {})) {
    // An optional peer is installed only if something else needs it: not an edge to follow.
    if (!entry.peerDependenciesMeta?.[name]?.optional) edges.push({ name, dev: false, optional: false, peer: true });
  }
  return edges;
}

/** Where node's resolution finds `name` from the package at `location` ("" is the root). */
export function resolveLocation(packages: Record<string, LockEntry>, location: string, name: string): string | undefined {
  const segments = location === '' ? [] : location.replace(/^node_modules\//, '').split('/node_modules/');
  for (let k = segments.length; k >= 0; k--) {
    const candidate = 'node_modules/' + [...segments.slice(0, k), name].join('/node_modules/');
    if (candidate in packages) return candidate;
  }
  return undefined;
}

interface Flags {
  dev: boolean;
  optional: boolean;
  devOptional: boolean;
  peer: boolean;
}

/**
 * The packages reachable from the root entry, with npm's flags (as arborist's
 * calc-dep-flags): a flag stays set only if every path from the root carries it.
 */
export function reachable(packages: Record<string, LockEntry>): Map<string, Flags> {
  const flags = new Map<string, Flags>([['', { dev: false, optional: false, devOptional: false, peer: false }]]);
  const queue = [''];
  while (queue.length) {
    const from = queue.shift()!;
    const f = flags.get(from)!;
    for (const edge of edgesOf(packages[from], from === '')) {
      const to = resolveLocation(packages, from, edge.name);
      if (to === undefined) {
        if (edge.optional || edge.peer) continue;
        throw new Error(`package-lock: ${from || 'the root'} needs ${edge.name}, which the harness's lock does not have`);
      }
      const next: Flags = {
        dev: f.dev || edge.dev,
        optional: f.optional || edge.optional,
        devOptional: f.devOptional || edge.dev || edge.optional,
        peer: f.peer || edge.peer,
      };
      const old = flags.get(to);
      const merged = old
        ? { dev: old.dev && next.dev, optional: old.optional && next.optional, devOptional: old.devOptional && next.devOptional, peer: old.peer && next.peer }
        : next;
      if (!old || Object.keys(merged).some((k) => merged[k as keyof Flags] !== old[k as keyof Flags])) {
        flags.set(to, merged);
        queue.push(to);
      }
    }
  }
  return flags;
}

const FLAG_KEYS = ['dev', 'optional', 'devOptional', 'peer'] as const;

/** An entry with its flags set as npm writes them. */
function withFlags(entry: LockEntry, f: Flags): LockEntry {
  const out: LockEntry = {};
  for (const [k, v] of Object.entries(entry)) if (!(FLAG_KEYS as readonly string[]).includes(k)) out[k] = v;
  const flagged: Partial<Record<(typeof FLAG_KEYS)[number], true>> = {};
  if (f.dev) flagged.dev = true;
  if (f.optional) flagged.optional = true;
  if (f.devOptional && !f.dev && !f.optional) flagged.devOptional = true;
  if (f.peer) flagged.peer = true;
  // npm writes the flags after version/resolved/integrity; key order does not matter to npm.
  return { ...out, ...flagged };
}

/** The npm registry's tarball address of the package at a lock location. */
export function registryTarball(location: string, entry: LockEntry, registry = 'https://registry.npmjs.org'): string {
  const name = typeof entry.name === 'string' ? entry.name : location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const base = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  return `${registry}/${name}/-/${base}-${entry.version}.tgz`;
}

/**
 * The lock for a root whose package.json says `root` (name, version, dependencies...). Each
 * entry gets its `resolved` tarball address if it has none (the harness's lock may omit them):
 * with an address and an integrity, `npm ci` takes the tarball from the cache and needs no
 * registry metadata, so it works offline once the tarballs are cached.
 */
export function subsetLock(harness: Lockfile, root: LockEntry & { name: string; version: string }): Lockfile {
  const packages: Record<string, LockEntry> = { ...harness.packages, '': root };
  const flags = reachable(packages);
  const out: Record<string, LockEntry> = { '': root };
  for (const location of Object.keys(harness.packages).sort()) {
    if (location === '' || !flags.has(location)) continue;
    const entry = harness.packages[location];
    const resolved = entry.resolved ?? (entry.link ? undefined : registryTarball(location, entry));
    out[location] = withFlags(resolved ? { version: entry.version, resolved, ...entry } : entry, flags.get(location)!);
  }
  return { name: root.name, version: root.version, lockfileVersion: harness.lockfileVersion, requires: true, packages: out };
}
