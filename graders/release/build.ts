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
import { expectedFor, referenceCostMs, shippedExpectedPath, ExpectedBundle } from '../engine/core/expected';
import { filesUnder } from '../engine/core/files';
import { Lab, loadLab, selectLabs } from '../engine/core/labs';
import type { Item } from '../engine/core/rubric';
import { omissions } from '../engine/core/totals';
import { Values, toJson } from '../engine/core/values';
import { importClosure } from './imports';
import { Lockfile, subsetLock } from './lockfile';
import { RELEASE_FORMAT, RELEASE_MARKER, ReleaseManifest } from './manifest';

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
  /** The assignment's name (graders/engine/core/assignment.ts), recorded in the release's manifest. */
  assignment?: string;
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

export { RELEASE_MARKER };

/**
 * What no release may hold: solutions, mutants, example submissions, and the authoring code
 * that runs them (computing expected values, validate, oracle). The import closure refuses to
 * reach them and the leak check refuses to find them.
 */
export const FORBIDDEN_PREFIXES = ['reference/', 'fixtures/mutants/', 'fixtures/submissions/', 'graders/engine/authoring/'];

/** The small programs a release runs besides Jest: the CI grading step, watch mode, feedback files, Gradescope. */
const RUNTIME_ENTRIES = ['graders/release/runtime/run-ci.cjs', 'graders/release/runtime/watch.cjs', 'graders/release/runtime/feedback.cjs', 'graders/release/runtime/run-autograder.cjs'];
/** Loaded by path, not imported: Jest's reporter, sequencer, global setup and teardown, test runner, and the student process's script. */
const ENGINE_ENTRIES = [
  'graders/engine/jest/reporter.cjs',
  'graders/engine/jest/sequencer.cjs',
  'graders/engine/jest/global-setup.cjs',
  'graders/engine/jest/global-teardown.cjs',
  'graders/engine/jest/runner.cjs',
  'graders/engine/host/child.cjs',
];
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
  const withheld = raw.items.length - items.length;
  const header =
    kind === 'student'
      ? `# The ${raw.lab} rubric: what is graded, for how many points, within which tolerances.\n` +
        (withheld ? `# ${withheld} hidden item${withheld === 1 ? ' is' : 's are'} not listed here: your instructor grades them after the deadline.\n` : '')
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
  const shipped = new Set(items.map((it) => it.id));
  // A diagnosis's `loses` names only shipped items: the others are not the student's to see.
  const onlyShipped = (e: ExpectedBundle['items'][string]) => ({
    ...e,
    diagnoses: Object.fromEntries(Object.entries(e.diagnoses).map(([id, d]) => [id, { ...d, ...(d.loses ? { loses: d.loses.filter((l) => shipped.has(l)) } : {}) }])),
  });
  return { ...full, items: Object.fromEntries(items.map((it) => [it.id, onlyShipped(full.items[it.id])])) };
}

/** Files whose imports are followed into the release. */
const CODE = /\.(ts|js|cjs)$/;

/** Lab files whose text may mention the harness's grading command. */
const TEXT = /\.(ts|js|cjs|md|txt)$/;

/**
 * Lab files as students get them: the harness's grading command becomes the release's
 * (`npx gradecheck grade --labs a` is `npm test -- a`; with `--feedback DIR`, `npm run feedback -- a`).
 */
export function releasedLabText(text: string): string {
  const labs = (list: string) => list.split(',').join(' ');
  return text
    .replace(/npx gradecheck grade --labs ([a-z0-9,-]+) --feedback ([\w./-]+)/g, (_m, list: string, dir: string) => `npm run feedback -- ${labs(list)}${dir === 'feedback' ? '' : ` --out ${dir}`}`)
    .replace(/npx gradecheck grade --labs ([a-z0-9,-]+)/g, (_m, list: string) => `npm test -- ${labs(list)}`)
    .replace(/npx gradecheck grade\b/g, 'npm test');
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
      ? { test: 'jest', watch: 'node graders/release/runtime/watch.cjs', feedback: 'node graders/release/runtime/feedback.cjs', typecheck: 'tsc --noEmit -p .', ...Object.assign({}, ...labs.map((lab) => lab.rubric.release.scripts)) }
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
    engines: harness.engines,
    dependencies: pick(runtimePackages.filter((p) => !TOOLING.includes(p))),
    devDependencies: pick(TOOLING),
  };
}

/** The Node.js versions package.json "engines" accepts, as people say them: "20.19 or a later 20, 22.12 or a later 22, or 24 and later". */
export function nodeVersionsText(range: string | undefined): string {
  if (!range) return 'a current Node.js';
  const parts = range.split('||').map((r) => r.trim());
  const said = parts.map((r) => {
    const caret = /^\^(\d+)\.(\d+)(?:\.\d+)?$/.exec(r);
    if (caret) return `${caret[1]}.${caret[2]} or a later ${caret[1]}`;
    const atLeast = /^>=\s*(\d+)(?:\.(\d+))?(?:\.\d+)?$/.exec(r);
    if (atLeast) return `${atLeast[1]}${atLeast[2] && atLeast[2] !== '0' ? `.${atLeast[2]}` : ''} and later`;
    return r;
  });
  return said.length > 1 ? `${said.slice(0, -1).join(', ')}, or ${said[said.length - 1]}` : said[0];
}

/** Shell lines with their comments aligned. */
function commandLines(lines: Array<[string, string]>): string {
  const width = Math.max(...lines.map(([c]) => c.length)) + 2;
  return lines.map(([command, comment]) => `${command.padEnd(width)}# ${comment}`).join('\n');
}

/**
 * The student README, from the release's configuration (its manifest, labs and package.json),
 * so that every sentence holds for that release: which graders grade a push, whether hidden
 * items exist and who grades them, the Node versions, the commands of its labs.
 */
export function studentReadme(labs: Lab[], manifest: ReleaseManifest, engines: Record<string, string> | undefined): string {
  const points = (list: Item[]) => Math.round(list.reduce((s, it) => s + it.points, 0) * 100) / 100;
  const rows = labs.map((lab) => {
    const shipped = shippedItems(lab, 'student');
    const withheld = manifest.withheld[lab.name];
    const hidden = withheld?.items ? `${withheld.items} (${withheld.max_score} points)` : 'none';
    const due = lab.rubric.due ? lab.rubric.due.replace('T', ' ').replace(/:00(\.000)?Z$/, ' UTC') : '';
    return `| \`${lab.name}\` | ${lab.rubric.title} | ${lab.rubric.files.map((f) => `\`labs/${lab.name}/${f}\``).join(', ')} | ${shipped.length} (${points(shipped)} points) | ${hidden} | ${due} |`;
  });
  const pending = Object.values(manifest.withheld).reduce((p, w) => ({ items: p.items + w.items, max_score: Math.round((p.max_score + w.max_score) * 1e6) / 1e6 }), { items: 0, max_score: 0 });
  const lab = labs[0]?.name ?? 'activations';
  const firstItem = labs[0] ? (shippedItems(labs[0], 'student')[0]?.id ?? '') : '';
  const scripts = labs.flatMap((lab) => Object.keys(lab.rubric.release.scripts).map((name) => `\`npm run ${name}\` (the ${lab.name} lab: see its handout)`));
  const instructor = manifest.instructor_repository;
  return template('README.md.tmpl', {
    labsTable: ['| lab | topic | you edit | items you can run | hidden items | due |', '|---|---|---|---:|---:|---|', ...rows].join('\n'),
    hiddenItems: pending.items
      ? `**Hidden items** (other shapes and seeds; the table counts them) are not in this repository, and neither \`npm test\` nor your pushes grade them: your instructor grades them after the deadline, from the \`labs/\` files you pushed. They count in your grade, so make your code correct in general, not just on the visible cases. The score table says what they are worth ("${omissions({ hidden: { items: 0, score: 0, max_score: 0 }, pending }, { hiddenScores: false })[0]}").`
      : 'Every item is in this repository: the score `npm test` gives is the whole score.',
    nodeVersions: nodeVersionsText(engines?.node),
    examplePending: pending.items ? `\n${omissions({ hidden: { items: 0, score: 0, max_score: 0 }, pending }, { hiddenScores: false })[0]}` : '',
    commands: commandLines([
      ['npm test', 'grades every lab and prints the score table'],
      [`npm test -- ${lab}`, 'grades one lab'],
      ...(firstItem ? [[`npm test -- ${lab} -t ${firstItem}`, 'only its items whose name matches (-t takes a regular expression)'] as [string, string]] : []),
      [`npm run feedback -- ${lab}`, 'the same as npm test, and writes feedback/feedback.md (with figures, where a lab has them)'],
      [`npm run watch -- ${lab}`, 'grades that lab again each time you save one of its files (Ctrl+C stops)'],
      ['npm run typecheck', "the TypeScript compiler's view of your code"],
    ]),
    labScripts: scripts.length ? `\nSome labs add their own tools: ${scripts.join(', ')}.\n` : '',
    onGithub: instructor
      ? `Each push runs \`.github/workflows/gradecheck.yml\`, which grades your \`labs/\` files with your instructor's copy of the graders (\`${instructor}\`), not with the \`graders/\` and \`rubrics/\` of this repository: editing those changes nothing. Leave \`.github/\` as it is: it is the workflow that grades your work.`
      : 'Each push runs `.github/workflows/gradecheck.yml`, which grades your `labs/` files with the graders of this repository, as `npm test` does.',
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

/** The items a release leaves out of a lab, by count and points. */
function withheldOf(lab: Lab, ids: string[]): ReleaseManifest['withheld'][string] {
  const left = lab.rubric.items.filter((it) => ids.includes(it.id));
  return { items: left.length, max_score: Math.round(left.reduce((s, it) => s + it.points, 0) * 1e6) / 1e6 };
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
  const referenceMs: Record<string, number> = {};

  for (const lab of labs) {
    opts.onProgress?.(`${lab.name}: expected values`);
    const shipped = shippedItems(lab, kind);
    items[lab.name] = {
      shipped: shipped.map((it) => it.id),
      withheld: lab.rubric.items.filter((it) => !shipped.includes(it)).map((it) => it.id),
    };
    // The reference's answers, computed (or read from the harness's cache) by the engine.
    const bundle = releasedExpected(await expectedFor(root, lab), shipped);
    referenceMs[lab.name] = Math.round(referenceCostMs(bundle));
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
      ...(lab.inputsFile ? [lab.inputsFile] : []),
      ...filesUnder(root, `labs/${lab.name}`).filter((f) => CODE.test(f)),
      ...(kind === 'student' ? lab.rubric.release.files.filter((f) => CODE.test(f)) : []),
    ]),
    ...(kind === 'student' && labs.some((lab) => Object.keys(lab.rubric.release.scripts).length) ? ['graders/engine/host/register.cjs'] : []),
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
  const manifest: ReleaseManifest = {
    format: RELEASE_FORMAT,
    version: 1,
    kind,
    labs: names,
    ...(opts.assignment ? { assignment: opts.assignment } : {}),
    ...(kind === 'student' && opts.instructorRepository ? { instructor_repository: opts.instructorRepository } : {}),
    withheld: Object.fromEntries(labs.map((lab) => [lab.name, withheldOf(lab, items[lab.name].withheld)])),
    reference_ms: referenceMs,
  };
  files.set(RELEASE_MARKER, JSON.stringify(manifest, null, 2) + '\n');
  if (kind === 'student') {
    files.set('README.md', studentReadme(labs, manifest, pkg.engines));
    files.set('.github/workflows/gradecheck.yml', template('workflow.yml.tmpl', { instructorRepository: opts.instructorRepository ?? '', labs: names.join(','), nodeMajor: CI_NODE_MAJOR }));
    files.set('.github/gradecheck/grade.sh', template('grade.sh.tmpl'));
  } else if (kind === 'gradescope') {
    files.set('setup.sh', template('setup.sh.tmpl', { nodeVersion: CI_NODE_VERSION }));
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

/**
 * The Node.js that grades in CI: the current LTS line, which the workflow asks setup-node for by
 * its major, and the exact release Gradescope's setup.sh downloads and checks against
 * nodejs.org's SHASUMS256.txt (pinned, so the same graders make the same autograder zip).
 */
export const CI_NODE_VERSION = '24.21.0';

/** The release line of {@link CI_NODE_VERSION}. */
export const CI_NODE_MAJOR = CI_NODE_VERSION.split('.')[0];
