/**
 * The student release: a template repository built from the harness, which students clone,
 * fill in and push. It holds the stubs and handouts (labs/), the graders with the engine they
 * need, the rubrics without hidden items, and the expected values of the visible items
 * precomputed from the reference (graders/expected/<lab>.json). No reference/, no hidden
 * case, no mutant. `npm test` grades labs/ offline once `npm ci` has run.
 *
 * The same builder makes the source of a Gradescope autograder (`includeHidden`): every item
 * and its expected values, still without reference/ or mutants, for a zip only instructors see.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { expectedFor, shippedExpectedPath, ExpectedBundle } from '../engine/expected';
import { filesUnder } from '../engine/files';
import { Lab, loadLab, selectLabs } from '../engine/labs';
import type { Item } from '../engine/rubric';
import { Values, toJson } from '../engine/values';
import { importClosure } from './imports';
import { Lockfile, subsetLock } from './lockfile';

/**
 * `student`: visible items only, with the student README and the GitHub workflow.
 * `instructor`: every item, for the private repository the workflow can fetch graders from.
 * `gradescope`: every item, with Gradescope's setup.sh and run_autograder.
 */
export type ReleaseKind = 'student' | 'instructor' | 'gradescope';

export interface ReleaseOptions {
  /** The harness checkout. */
  root: string;
  /** Where the release is written; must not exist, be empty, or hold an earlier release. */
  out: string;
  labs?: string[];
  kind?: ReleaseKind;
  /** package.json name of the release. */
  name?: string;
  /** The instructor's graders repository (`owner/name`) the workflow fetches by default. */
  instructorRepository?: string;
  onProgress?: (message: string) => void;
}

export interface Release {
  dir: string;
  kind: ReleaseKind;
  labs: string[];
  /** Release-relative paths of every file written, sorted. */
  files: string[];
  /** Items shipped and items left out, per lab. */
  items: Record<string, { shipped: string[]; withheld: string[] }>;
}

/** Written in every release so `--force` only ever replaces a release. */
export const RELEASE_MARKER = '.gradecheck-release';

/** Never shipped, whatever imports them. */
export const FORBIDDEN_PREFIXES = ['reference/', 'fixtures/mutants/', 'fixtures/submissions/'];

/** The small programs a release runs besides Jest: the CI grading step, watch mode, Gradescope. */
const RUNTIME_ENTRIES = ['graders/release/runtime/run-ci.cjs', 'graders/release/runtime/watch.cjs', 'graders/release/runtime/run-autograder.cjs'];
/** Loaded by path, not imported: the score-table reporter and the student process's script. */
const ENGINE_ENTRIES = ['graders/engine/jest-reporter.cjs', 'graders/engine/host/child.cjs'];
/** Test tooling the release's package.json needs besides what its code imports. */
const TOOLING = ['jest', 'ts-jest', '@types/jest', '@types/node'];

const TEMPLATES = path.join(__dirname, 'templates');

export function template(name: string, vars: Record<string, string> = {}): string {
  const text = fs.readFileSync(path.join(TEMPLATES, name), 'utf8');
  return text.replace(/\{\{(\w+)\}\}/g, (m, key: string) => {
    if (!(key in vars)) throw new Error(`template ${name}: no value for {{${key}}}`);
    return vars[key];
  });
}

/** The items a release of this kind ships. */
export function shippedItems(lab: Lab, kind: ReleaseKind): Item[] {
  return kind === 'student' ? lab.rubric.items.filter((it) => it.visibility === 'visible') : lab.rubric.items;
}

/**
 * The rubric as shipped: only the shipped items, and without `mutants:` (fixtures/mutants is
 * not shipped; the diagnoses travel in the expected values).
 */
export function releasedRubric(rubricText: string, shipped: Set<string>, kind: ReleaseKind): string {
  const raw = parseYaml(rubricText) as { lab: string; items: Array<Record<string, unknown>> } & Record<string, unknown>;
  const items = raw.items.filter((it) => shipped.has(String(it.id))).map(({ mutants: _mutants, ...it }) => it);
  const header =
    kind === 'student'
      ? `# The ${raw.lab} rubric: what is graded, for how many points, within which tolerances.\n# Hidden items are graded too, with your pushed work, but are not listed here.\n`
      : `# The ${raw.lab} rubric, every item, hidden ones included: never give this to students.\n`;
  return header + stringifyYaml({ ...raw, items }, { lineWidth: 0 });
}

/** The case fixtures the shipped items use, and no others. */
export function releasedFixtures(fixturesText: string, items: Item[]): string | undefined {
  const used = new Set(items.flatMap((it) => it.cases.map((c) => c.fixture).filter((f): f is string => f !== undefined)));
  if (used.size === 0) return undefined;
  const raw = parseYaml(fixturesText) as Record<string, unknown>;
  const kept = Object.fromEntries(Object.entries(raw).filter(([name]) => used.has(name)));
  return `# Named inputs used by the released rubric.\n${stringifyYaml(kept, { lineWidth: 0 })}`;
}

/** The expected values of the shipped items only (hidden items' cases are not in it at all). */
export function releasedExpected(full: ExpectedBundle, items: Item[]): ExpectedBundle {
  const missing = items.filter((it) => !(it.id in full.items)).map((it) => it.id);
  if (missing.length) throw new Error(`no expected values for ${full.lab} items ${missing.join(', ')}`);
  return { ...full, items: Object.fromEntries(items.map((it) => [it.id, full.items[it.id]])) };
}

/** Files whose imports are followed into the release. */
const CODE = /\.(ts|js|cjs)$/;

/** Lab files whose text may mention the harness's grading command. */
const TEXT = /\.(ts|js|cjs|md|txt)$/;

/** Lab files as students get them: the harness's grading command becomes the release's. */
export function releasedLabText(text: string): string {
  return text.replace(/npx gradecheck grade --labs ([a-z0-9,-]+)/g, (_m, labs: string) => `npm test -- ${labs.split(',').join(' ')}`).replace(/npx gradecheck grade\b/g, 'npm test');
}

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  engines?: Record<string, string>;
}

function releasePackage(root: string, name: string, runtimePackages: string[], kind: ReleaseKind, labs: Lab[]) {
  const harness = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
  const versions = { ...harness.devDependencies, ...harness.dependencies };
  const pick = (names: string[]) =>
    Object.fromEntries(
      [...names].sort().map((n) => {
        if (!versions[n]) throw new Error(`release: the released code imports ${n}, which is not a dependency of the harness`);
        return [n, versions[n]];
      }),
    );
  const scripts: Record<string, string> =
    kind === 'student'
      ? { test: 'jest', watch: 'node graders/release/runtime/watch.cjs', typecheck: 'tsc --noEmit -p .', ...Object.assign({}, ...labs.map((lab) => lab.rubric.release.scripts)) }
      : kind === 'gradescope'
        ? { test: 'jest', autograde: 'node graders/release/runtime/run-autograder.cjs' }
        : { test: 'jest', grade: 'node graders/release/runtime/run-ci.cjs' };
  return {
    name,
    version: '1.0.0',
    private: true,
    description: {
      student: 'Machine-learning labs, graded by gradecheck: fill in labs/, run npm test.',
      instructor: "The instructor's gradecheck graders, hidden items included: keep private.",
      gradescope: 'gradecheck Gradescope autograder',
    }[kind],
    license: 'UNLICENSED',
    scripts,
    engines: harness.engines ?? { node: '>=20.19' },
    dependencies: pick(runtimePackages.filter((p) => !TOOLING.includes(p))),
    devDependencies: pick(TOOLING),
  };
}

function studentReadme(labs: Lab[], items: Release['items']): string {
  const rows = labs.map((lab) => {
    const shipped = lab.rubric.items.filter((it) => items[lab.name].shipped.includes(it.id));
    const withheld = lab.rubric.items.filter((it) => items[lab.name].withheld.includes(it.id));
    const points = (list: Item[]) => Math.round(list.reduce((s, it) => s + it.points, 0) * 100) / 100;
    const hidden = withheld.length ? `${withheld.length} (${points(withheld)} points)` : 'none';
    const due = lab.rubric.due ? lab.rubric.due.replace('T', ' ').replace(/:00(\.000)?Z$/, ' UTC') : '';
    return `| \`${lab.name}\` | ${lab.rubric.title} | ${lab.rubric.files.map((f) => `\`labs/${lab.name}/${f}\``).join(', ')} | ${shipped.length} (${points(shipped)} points) | ${hidden} | ${due} |`;
  });
  return template('README.md.tmpl', {
    labsTable: ['| lab | topic | you edit | items you can run | hidden items | due |', '|---|---|---|---:|---:|---|', ...rows].join('\n'),
    firstLab: labs[0]?.name ?? 'activations',
  });
}

function prepareOut(out: string): void {
  if (fs.existsSync(out)) {
    const entries = fs.readdirSync(out);
    if (entries.length > 0) {
      if (!entries.includes(RELEASE_MARKER)) throw new Error(`${out} is not empty and holds no earlier release; choose another folder`);
      for (const e of entries) fs.rmSync(path.join(out, e), { recursive: true, force: true });
    }
  }
  fs.mkdirSync(out, { recursive: true });
}

/** Builds a release into `opts.out`. */
export async function buildRelease(opts: ReleaseOptions): Promise<Release> {
  const root = path.resolve(opts.root);
  const out = path.resolve(opts.out);
  const kind = opts.kind ?? 'student';
  if (out === root || !path.relative(out, root).startsWith('..')) throw new Error(`cannot build a release into ${out}: it contains the harness`);
  const names = selectLabs(root, opts.labs);
  const labs = names.map((n) => loadLab(root, n));
  const files = new Map<string, string | Buffer>();
  const items: Release['items'] = {};

  for (const lab of labs) {
    opts.onProgress?.(`${lab.name}: expected values`);
    const shipped = shippedItems(lab, kind);
    items[lab.name] = {
      shipped: shipped.map((it) => it.id),
      withheld: lab.rubric.items.filter((it) => !shipped.includes(it)).map((it) => it.id),
    };
    // The reference's answers, computed (or read from the harness's cache) by the engine.
    const bundle = releasedExpected(await expectedFor(root, lab), shipped);
    files.set(shippedExpectedRel(lab.name), JSON.stringify(toJson(bundle as unknown as Values)));

    const shippedIds = new Set(shipped.map((it) => it.id));
    files.set(`rubrics/${lab.name}.yaml`, releasedRubric(fs.readFileSync(path.join(root, 'rubrics', `${lab.name}.yaml`), 'utf8'), shippedIds, kind));
    const fixtures = path.join(root, 'fixtures', 'cases', `${lab.name}.yaml`);
    if (fs.existsSync(fixtures)) {
      const text = releasedFixtures(fs.readFileSync(fixtures, 'utf8'), shipped);
      if (text !== undefined) files.set(`fixtures/cases/${lab.name}.yaml`, text);
    }
    for (const rel of filesUnder(root, `labs/${lab.name}`)) {
      const data = fs.readFileSync(path.join(root, rel));
      files.set(rel, TEXT.test(rel) ? releasedLabText(data.toString('utf8')) : data);
    }
    // The lab's tools (code comes with its imports below; data files as they are).
    for (const rel of lab.rubric.release.files.filter((f) => !CODE.test(f))) files.set(rel, fs.readFileSync(path.join(root, rel)));
  }

  const entries = [
    ...labs.flatMap((lab) => [
      `graders/${lab.name}.test.ts`,
      lab.opsFile,
      ...filesUnder(root, `labs/${lab.name}`).filter((f) => CODE.test(f)),
      ...(kind === 'student' ? lab.rubric.release.files.filter((f) => CODE.test(f)) : []),
    ]),
    ...(kind === 'student' && labs.some((lab) => Object.keys(lab.rubric.release.scripts).length) ? ['scripts/register.cjs'] : []),
    ...ENGINE_ENTRIES,
    ...RUNTIME_ENTRIES,
  ];
  const closure = importClosure(root, entries, FORBIDDEN_PREFIXES);
  for (const rel of closure.files) if (!files.has(rel)) files.set(rel, fs.readFileSync(path.join(root, rel)));

  const name = opts.name ?? { student: 'ml-labs', instructor: 'ml-labs-graders', gradescope: 'ml-labs-autograder' }[kind];
  const pkg = releasePackage(root, name, closure.packages, kind, labs);
  const harnessLock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const lock = subsetLock(harnessLock, { name, version: pkg.version, license: pkg.license, dependencies: pkg.dependencies, devDependencies: pkg.devDependencies, engines: pkg.engines });
  files.set('package.json', JSON.stringify(pkg, null, 2) + '\n');
  files.set('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
  files.set('tsconfig.json', template('tsconfig.json.tmpl'));
  files.set('jest.config.js', template('jest.config.js.tmpl'));
  files.set('.gitignore', template('gitignore.tmpl'));
  files.set(RELEASE_MARKER, `gradecheck ${kind} release of ${names.join(', ')}\n`);
  if (kind === 'student') {
    files.set('README.md', studentReadme(labs, items));
    files.set('.github/workflows/gradecheck.yml', template('workflow.yml.tmpl', { instructorRepository: opts.instructorRepository ?? '', labs: names.join(',') }));
    files.set('.github/gradecheck/grade.sh', template('grade.sh.tmpl'));
  } else if (kind === 'gradescope') {
    files.set('setup.sh', template('setup.sh.tmpl', { nodeVersion: nodeVersionForSetup() }));
    files.set('run_autograder', template('run_autograder.tmpl'));
  }

  for (const rel of files.keys()) {
    const bad = FORBIDDEN_PREFIXES.find((p) => rel.startsWith(p));
    if (bad) throw new Error(`release: refusing to ship ${rel}`);
  }
  opts.onProgress?.(`writing ${files.size} files`);
  prepareOut(out);
  for (const [rel, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const file = path.join(out, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    if (EXECUTABLES.has(rel)) fs.chmodSync(file, 0o755);
  }
  return { dir: out, kind, labs: names, files: [...files.keys()].sort(), items };
}

/** Files written with the executable bit. */
export const EXECUTABLES = new Set(['.github/gradecheck/grade.sh', 'setup.sh', 'run_autograder']);

/** Where the engine reads a release's expected values (expected.ts `shippedExpectedPath`), relative. */
export function shippedExpectedRel(lab: string): string {
  return path.relative('/', shippedExpectedPath('/', lab)).split(path.sep).join('/');
}

/** The Node 20 that setup.sh installs: this machine's when it is a 20, else a known 20.19. */
export function nodeVersionForSetup(): string {
  return process.versions.node.startsWith('20.') ? process.versions.node : '20.19.5';
}
