/**
 * The release's GitHub workflow, run here as far as it can be: the shell commands of its steps
 * (choosing the graders, npm ci, the grading step .github/gradecheck/grade.sh) with the
 * environment GitHub sets (GITHUB_WORKSPACE, GITHUB_ENV, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT,
 * RUNNER_TEMP, GITHUB_SHA, ...), on a submission with known mistakes. Checked: the job
 * summary, the annotations, the base64 `result` output as GitHub Classroom's reporter reads
 * it, Classroom 50's result.json as its score collector validates it, the results artifact;
 * and, with the instructor's graders, that hidden items are scored but not shown.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { decodeClassroomResult, reporterLogPoints, reporterNoticePoints } from '../../graders/emit/classroom';
import { Classroom50ResultSchema } from '../../graders/emit/classroom50';
import { loadLab } from '../../graders/engine/core/labs';
import { ResultsSchema } from '../../graders/engine/core/results';
import { forMarkdown } from '../../graders/emit/text';
import { buildRelease, CI_NODE_MAJOR } from '../../graders/release/build';
import { parseOutputs } from '../../graders/release/runtime/github';
import { ROOT } from '../support/paths';
import { cleanEnv, installRelease, mutantSubmission, run, tempDir } from './support';

const LAB = 'activations';
const lab = loadLab(ROOT, LAB);
const visible = lab.rubric.items.filter((it) => it.visibility === 'visible');

let base: string;
let repo: string;
let mutated: string[];

interface WorkflowStep {
  name: string;
  id?: string;
  uses?: string;
  run?: string;
  'working-directory'?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

interface Workflow {
  name: string;
  jobs: Record<string, { env: Record<string, string>; steps: WorkflowStep[] }>;
}

interface Contexts {
  vars: Record<string, string>;
  secrets: Record<string, string>;
  env: Record<string, string>;
  runner: Record<string, string>;
  steps: Record<string, { outputs: Record<string, string> }>;
}

/** The expressions this workflow uses: `a.b`, `steps.x.outputs.y`, `'literal'`, and `||`. */
function evaluate(text: string, ctx: Contexts): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, expr: string) => {
    for (const alternative of expr.split('||').map((a) => a.trim())) {
      const literal = /^'(.*)'$/.exec(alternative);
      const step = /^steps\.([\w-]+)\.outputs\.(\w+)$/.exec(alternative);
      const context = /^(vars|secrets|env|runner)\.(\w+)$/.exec(alternative);
      const value = literal ? literal[1] : step ? ctx.steps[step[1]]?.outputs[step[2]] : context ? ctx[context[1] as 'vars' | 'secrets' | 'env' | 'runner'][context[2]] : undefined;
      if (!literal && !step && !context) throw new Error(`the test cannot evaluate \${{ ${expr} }}`);
      if (value) return value;
    }
    return '';
  });
}

function readEnvFile(file: string): Record<string, string> {
  return parseOutputs(fs.readFileSync(file, 'utf8'));
}

/**
 * Runs the workflow's job as a runner would, for what can run here: every `run` step, in
 * order, with the job's env, GitHub's variables, $GITHUB_ENV carried from step to step, a fresh
 * $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY per step, and `working-directory` evaluated. `uses`
 * steps are not run (their inputs are returned, evaluated). `npm ci` runs offline.
 */
function runWorkflow(vars: Record<string, string> = {}, secrets: Record<string, string> = {}) {
  const workflow = parseYaml(fs.readFileSync(path.join(repo, '.github', 'workflows', 'gradecheck.yml'), 'utf8')) as Workflow;
  const job = workflow.jobs['run-autograding-tests'];
  const runner = fs.mkdtempSync(path.join(base, 'runner-'));
  const githubEnv = path.join(runner, 'github_env');
  fs.writeFileSync(githubEnv, '');
  const ctx: Contexts = { vars, secrets, env: {}, runner: { temp: runner }, steps: {} };
  ctx.env = Object.fromEntries(Object.entries(job.env).map(([k, v]) => [k, evaluate(String(v), ctx)]));
  const ran: Record<string, { status: number | null; stdout: string; stderr: string; summary: string; outputs: Record<string, string> }> = {};
  const actions: Array<{ name: string; uses: string; with: Record<string, string>; env: Record<string, string> }> = [];
  for (const [i, step] of job.steps.entries()) {
    const env = { ...ctx.env, ...readEnvFile(githubEnv) };
    ctx.env = env;
    if (step.uses) {
      const evaluated = (o?: Record<string, string>) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, evaluate(String(v), ctx)]));
      // An action sees the job's environment, $GITHUB_ENV's additions included, and its own env.
      actions.push({ name: step.name, uses: step.uses, with: evaluated(step.with), env: { ...env, ...evaluated(step.env) } });
      continue;
    }
    const summary = path.join(runner, `summary-${i}.md`);
    const output = path.join(runner, `output-${i}`);
    fs.writeFileSync(summary, '');
    fs.writeFileSync(output, '');
    const cwd = step['working-directory'] ? evaluate(step['working-directory'], ctx) : repo;
    const r = run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
      cwd,
      env: cleanEnv({
        ...env,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: repo,
        GITHUB_ENV: githubEnv,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_OUTPUT: output,
        RUNNER_TEMP: runner,
        GITHUB_REPOSITORY: 'course-org/labs-alice',
        GITHUB_REPOSITORY_OWNER: 'course-org',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_SHA: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
        GITHUB_ACTOR: 'alice',
        npm_config_offline: 'true',
      }),
    });
    const outputs = readEnvFile(output);
    ran[step.id ?? step.name] = { ...r, summary: fs.readFileSync(summary, 'utf8'), outputs };
    if (step.id) ctx.steps[step.id] = { outputs };
    if (r.status !== 0 && step.id !== 'gradecheck') throw new Error(`step "${step.name}" failed:\n${r.stdout}\n${r.stderr}`);
  }
  const grade = ran.gradecheck;
  return { ...grade, artifact: path.join(runner, 'gradecheck'), actions, graders: ctx.env.GRADECHECK_GRADERS };
}

/**
 * What classroom-resources/autograding-grading-reporter does with its inputs: decode each runner's
 * result, and add up points both ways it does (its log: passed / tests x max_score per runner; its
 * notice, which Classroom records: the sum of the tests' scores).
 */
function asClassroomReporter(action: { with: Record<string, string>; env: Record<string, string> }) {
  const runners = action.with.runners.split(/[\s,]/).filter(Boolean);
  const results = runners.map((r) => decodeClassroomResult(action.env[`${r.trim().toUpperCase()}_RESULTS`]));
  return {
    logPoints: reporterLogPoints(results).points,
    totalPoints: reporterNoticePoints(results).points,
    maxPoints: reporterNoticePoints(results).max,
    failed: results.some((r) => r.status === 'fail'),
    results,
  };
}

/** The items the student view does not show now (hidden; after_due_date before the due date). */
const notShown = lab.rubric.items.filter((it) => it.visibility === 'hidden' || (it.visibility === 'after_due_date' && !(lab.rubric.due && Date.now() > Date.parse(lab.rubric.due))));

beforeAll(async () => {
  base = tempDir('workflow');
  repo = path.join(base, 'labs-alice');
  await buildRelease({ root: ROOT, out: repo, labs: [LAB] });
  installRelease(repo);
  // Alice made some known mistakes.
  mutated = mutantSubmission(LAB, repo).items.filter((id) => visible.some((it) => it.id === id));
}, 240000);

afterAll(() => {
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

/** The evaluated inputs of the workflow's actions/setup-node step. */
function setupNode(actions: Array<{ uses: string; with: Record<string, string> }>) {
  const step = actions.find((a) => a.uses.startsWith('actions/setup-node@'));
  if (!step) throw new Error('the workflow has no actions/setup-node step');
  return step;
}

describe('the workflow file', () => {
  const workflow = () => parseYaml(fs.readFileSync(path.join(repo, '.github', 'workflows', 'gradecheck.yml'), 'utf8')) as Record<string, unknown>;

  test('one run per branch and event: a newer push cancels the push run in progress, not a dispatched re-grade', () => {
    expect(workflow().concurrency).toEqual({ group: '${{ github.workflow }}-${{ github.ref }}-${{ github.event_name }}', 'cancel-in-progress': true });
  });

  test("asks GITHUB_TOKEN for no more than its steps use: read the contents, and the Classroom reporter's check-run update", () => {
    expect(workflow().permissions).toEqual({ contents: 'read', actions: 'read', checks: 'write' });
    // No job widens them.
    const jobs = workflow().jobs as Record<string, Record<string, unknown>>;
    for (const job of Object.values(jobs)) expect(job.permissions).toBeUndefined();
  });
});

describe("the workflow's grading step, run locally", () => {
  test("with the release's own graders: summary, annotations, Classroom result, Classroom 50 result.json, artifact", () => {
    const step = runWorkflow();
    expect(step.graders).toBe(repo);
    // The current LTS, with npm's cache keyed by the lockfile `npm ci` installs from.
    const setup = setupNode(step.actions);
    expect(String(setup.with['node-version'])).toBe(CI_NODE_MAJOR);
    expect(setup.with.cache).toBe('npm');
    expect(setup.with['cache-dependency-path']).toBe(path.join(repo, 'package-lock.json'));
    expect(fs.existsSync(setup.with['cache-dependency-path'])).toBe(true);
    expect(step.status).toBe(1); // points lost

    const results = ResultsSchema.parse(JSON.parse(fs.readFileSync(path.join(step.artifact, 'results.json'), 'utf8')));
    const failed = results.labs[0].items.filter((i) => i.status !== 'passed');
    expect(mutated.length).toBeGreaterThan(1);
    expect(failed.map((i) => i.id).sort()).toEqual([...mutated].sort());
    expect(results.score).toBeLessThan(results.max_score);
    expect(results.score).toBeGreaterThan(0);

    // The job summary: the Markdown score table and what went wrong.
    expect(step.summary).toContain(`**Total: ${results.score} / ${results.max_score}**`);
    expect(step.summary).toContain('| | Item | Points | Result |');
    for (const item of results.labs[0].items) expect(step.summary).toContain(`(\`${item.id}\`)`);
    const diagnosed = failed.filter((i) => i.diagnosis);
    expect(diagnosed.length).toBeGreaterThan(0);
    for (const item of diagnosed) expect(step.summary).toContain(`**Diagnosis:** ${forMarkdown(item.diagnosis!)}`); // as Markdown shows it: `*` is not emphasis

    // One annotation per failed item, on the line declaring the function it grades.
    const annotations = step.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations.length).toBe(failed.length);
    const source = fs.readFileSync(path.join(repo, 'labs', LAB, 'activations.ts'), 'utf8').split('\n');
    for (const item of failed) {
      const line = annotations.find((a) => a.includes(`title=${LAB} ${item.id}%3A `));
      expect(line).toBeDefined();
      const m = /^::error file=([^,]+),line=(\d+),title=[^:]+::(.*)$/.exec(line!)!;
      expect(m).not.toBeNull();
      expect(m[1]).toBe(`labs/${LAB}/activations.ts`);
      if (!item.message.includes('(at labs/')) expect(source[Number(m[2]) - 1]).toMatch(/^export function \w+/);
      expect(m[3]).toContain(`${item.status}: `);
      if (item.diagnosis) expect(m[3]).toContain('%0ADiagnosis: ');
    }

    // GitHub Classroom: one runner per item, each `<ID>_RESULTS` base64 JSON, version 1, as the reporter reads it.
    const runnerIds = step.outputs.runners.split(',');
    expect(runnerIds.length).toBe(results.labs[0].items.length);
    const reporting = asClassroomReporter(step.actions.find((a) => a.uses.startsWith('classroom-resources/autograding-grading-reporter@'))!);
    for (const runner of reporting.results) {
      expect(Object.keys(runner).sort()).toEqual(['max_score', 'status', 'tests', 'version']);
      for (const t of runner.tests) {
        expect(Object.keys(t).sort()).toEqual(['duration', 'filename', 'line_no', 'message', 'name', 'score', 'status', 'test_code']);
        expect(['pass', 'fail']).toContain(t.status);
      }
    }
    expect(reporting.results.filter((r) => r.status === 'fail').length).toBe(failed.length);
    expect(step.outputs.score).toBe(String(results.score));
    expect(step.outputs.max_score).toBe(String(results.max_score));
    expect(JSON.parse(fs.readFileSync(path.join(step.artifact, 'classroom-result.json'), 'utf8')).runners.map((r: { result: unknown }) => r.result)).toEqual(reporting.results);

    // Classroom 50: result.json in the workspace (and the artifact), valid as its collector checks it.
    const c50 = Classroom50ResultSchema.parse(JSON.parse(fs.readFileSync(path.join(repo, 'result.json'), 'utf8')));
    expect(fs.readFileSync(path.join(step.artifact, 'result.json'), 'utf8')).toBe(fs.readFileSync(path.join(repo, 'result.json'), 'utf8'));
    expect(c50.schema).toBe('classroom50/result/v1');
    expect(c50.submission.startsWith('submit/')).toBe(true);
    expect(c50.commit).toBe('https://github.com/course-org/labs-alice/commit/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678');
    expect(c50.owner).toBe('alice');
    expect(c50.classroom).toBe('course-org');
    // Whole points at one scale (partial credit, 2 of 3 cases...), so that its total is gradecheck's exactly.
    const scale = c50['max-score'] / results.max_score;
    expect(Number.isInteger(scale)).toBe(true);
    expect(c50.score / scale).toBeCloseTo(results.score, 5);
    expect(c50.tests.filter((t) => !t.passed).length).toBe(failed.length);

    expect(fs.readFileSync(path.join(step.artifact, 'feedback.md'), 'utf8')).toBe(step.summary);

    // The steps after grading: the artifact is the results folder, the reporter gets `result`.
    const upload = step.actions.find((a) => a.uses.startsWith('actions/upload-artifact@'))!;
    expect(path.resolve(upload.with.path)).toBe(step.artifact);
    const reporter = step.actions.find((a) => a.uses.startsWith('classroom-resources/autograding-grading-reporter@'))!;
    expect(asClassroomReporter(reporter)).toMatchObject({ logPoints: expect.closeTo(results.score, 5), totalPoints: expect.closeTo(results.score, 9), maxPoints: results.max_score, failed: true });
  }, 240000);

  test("with the instructor's graders: the student's edits to the graders change nothing, and a push shows hidden items only by count and points", async () => {
    const rubricFile = path.join(repo, 'rubrics', `${LAB}.yaml`);
    const original = fs.readFileSync(rubricFile, 'utf8');
    try {
      // Alice deletes the items she fails from her copy of the rubric: her own graders give full marks.
      const raw = parseYaml(original) as { items: Array<{ id: string }> };
      fs.writeFileSync(rubricFile, stringifyYaml({ ...raw, items: raw.items.filter((it) => !mutated.includes(it.id)) }));
      expect(runWorkflow().status).toBe(0);

      // The instructor's private repository, as actions/checkout would put it (the release's
      // .gitignore keeps it out of the student's commits).
      const instructor = path.join(repo, '.gradecheck', 'instructor');
      await buildRelease({ root: ROOT, out: instructor, labs: [LAB], kind: 'instructor' });
      const step = runWorkflow({ GRADECHECK_INSTRUCTOR_REPOSITORY: 'course-org/ml-labs-graders' }, { GRADECHECK_INSTRUCTOR_TOKEN: 'token-for-graders' });
      expect(step.graders).toBe(instructor);
      // npm's cache is keyed by the lockfile of the graders that `npm ci` installs: the instructor's.
      expect(setupNode(step.actions).with['cache-dependency-path']).toBe(path.join(instructor, 'package-lock.json'));
      expect(step.actions.find((a) => a.name === "Check out the instructor's graders")?.with).toMatchObject({ repository: 'course-org/ml-labs-graders', token: 'token-for-graders', path: '.gradecheck/instructor' });
      expect(step.status).toBe(1);
      const results = ResultsSchema.parse(JSON.parse(fs.readFileSync(path.join(step.artifact, 'results.json'), 'utf8')));
      const items = results.labs[0].items;
      // A push grades what the student may see; the rest is pending, for the deadline run.
      expect(items.length).toBe(lab.rubric.items.length - notShown.length);
      expect(results.max_score).toBe(lab.rubric.items.filter((it) => !notShown.includes(it)).reduce((s, it) => s + it.points, 0));
      expect(items.filter((i) => i.status !== 'passed' && i.visibility === 'visible').map((i) => i.id).sort()).toEqual([...mutated].sort());

      // Hidden items: their points count; their names and details appear nowhere the student can look.
      expect(notShown.length).toBeGreaterThan(0);
      expect(results.labs[0].hidden).toBeUndefined();
      expect(results.labs[0].pending).toEqual({ items: notShown.length, max_score: notShown.reduce((s, it) => s + it.points, 0) });
      expect(step.stdout).toContain(`+ ${notShown.reduce((s, it) => s + it.points, 0)} hidden points (${notShown.length} items), graded after the deadline`);
      const reporter = asClassroomReporter(step.actions.find((a) => a.uses.startsWith('classroom-resources/autograding-grading-reporter@'))!);
      const seen = [step.stdout, step.summary, JSON.stringify(reporter.results), fs.readFileSync(path.join(repo, 'result.json'), 'utf8'), ...fs.readdirSync(step.artifact).map((f) => fs.readFileSync(path.join(step.artifact, f), 'utf8'))].join('\n');
      for (const it of notShown) expect(seen).not.toContain(it.id);
      expect(reporter.maxPoints).toBe(results.max_score);
    } finally {
      fs.writeFileSync(rubricFile, original);
      fs.rmSync(path.join(repo, '.gradecheck'), { recursive: true, force: true });
    }
  }, 400000);
});
