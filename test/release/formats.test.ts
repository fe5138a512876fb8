/**
 * The pieces of a release that have a platform's format to follow: GitHub Classroom's
 * autograding result, Classroom 50's result.json, GitHub's workflow commands, the student view
 * of results, and the release's package-lock.json cut from the harness's.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decodeClassroomResult, encodeClassroomResult, equalParts, reporterLogPoints, reporterNoticePoints, toClassroom } from '../../graders/emit/classroom';
import { Classroom50ResultSchema, classroom50Context, pointScale, toClassroom50 } from '../../graders/emit/classroom50';
import { GradescopeResultsSchema, toGradescope } from '../../graders/emit/gradescope';
import { ItemResult, Results } from '../../graders/engine/core/results';
import { Lockfile, reachable, resolveLocation, subsetLock } from '../../graders/release/lockfile';
import { studentView } from '../../graders/release/redact';
import { annotation, outputEntry, parseOutputs } from '../../graders/release/runtime/github';
import { isDistinctive, normaliseCode } from '../../graders/release/leaks';
import { ROOT } from '../support/paths';

function item(id: string, score: number, max: number, extra: Partial<ItemResult> = {}): ItemResult {
  return { id, title: id.replace('.', ' '), score, max_score: max, status: score === max ? 'passed' : 'wrong_value', message: score === max ? '2 cases passed' : 'case "1": 3 of 24 elements differ', visibility: 'visible', duration_ms: 12, cases: [], ...extra };
}

function results(items: ItemResult[], due?: string): Results {
  const sum = (k: 'score' | 'max_score') => Math.round(items.reduce((s, i) => s + i[k], 0) * 1e6) / 1e6;
  return {
    format: 'gradecheck/results',
    version: 2,
    submission: '.',
    score: sum('score'),
    max_score: sum('max_score'),
    sandbox: 'permission',
    labs: [{ lab: 'activations', title: 'Activation functions', score: sum('score'), max_score: sum('max_score'), status: 'graded', message: '', notes: [], items, ...(due ? { due } : {}) }],
  };
}

describe('GitHub Classroom autograding results', () => {
  const cases = (passed: boolean[]) => passed.map((ok, i) => ({ label: String(i + 1), status: ok ? ('passed' as const) : ('wrong_value' as const), message: '' }));
  const r = results([
    item('sigmoid.forward', 1, 1),
    item('softmax.backward', 0.666667, 2, { diagnosis: 'only the diagonal', hint: 'use the full Jacobian', cases: cases([true, false, false]) }),
    item('gelu.backward', 0, 2),
  ]);

  test('one runner per item: all or nothing as one test, a fraction of cases as one test per case', () => {
    const runners = toClassroom(r, { locate: () => ({ file: 'labs/activations/activations.ts', line: 42 }) });
    expect(runners.map((x) => x.id)).toEqual(['activationsSigmoidForward', 'activationsSoftmaxBackward', 'activationsGeluBackward']);
    expect(runners[0].result).toEqual({
      version: 1,
      status: 'pass',
      max_score: 1,
      tests: [{ name: 'activations sigmoid.forward: sigmoid forward', status: 'pass', score: 1, message: '2 cases passed', test_code: 'npm test -- activations -t sigmoid.forward', filename: 'labs/activations/activations.ts', line_no: 42, duration: 12 }],
    });
    const softmax = runners[1].result;
    expect(softmax).toMatchObject({ status: 'fail', max_score: 2 });
    expect(softmax.tests.map((t) => [t.name, t.status, t.score])).toEqual([
      ['activations softmax.backward: softmax backward (case "1")', 'pass', 0.666667],
      ['activations softmax.backward: softmax backward (case "2")', 'fail', 0],
      ['activations softmax.backward: softmax backward (case "3")', 'fail', 0],
    ]);
    expect(softmax.tests[0].message).toBe('wrong_value: case "1": 3 of 24 elements differ\nDiagnosis: only the diagonal\nHint: use the full Jacobian');
    expect(runners[2].result.tests.map((t) => [t.status, t.score])).toEqual([['fail', 0]]);
  });

  test("both of the reporter's totals are gradecheck's: passed tests / tests x max_score per runner, and the sum of the tests' scores", () => {
    const runners = toClassroom(r).map((x) => x.result);
    expect(reporterLogPoints(runners)).toEqual({ points: expect.closeTo(r.score, 6), max: r.max_score });
    expect(reporterNoticePoints(runners)).toEqual({ points: expect.closeTo(r.score, 9), max: r.max_score });
  });

  test('a fraction that is not one of cases is split into equal parts (a forgiven item keeps its points in one test)', () => {
    expect(equalParts(1.5, 2)).toEqual({ passed: 3, parts: 4 });
    expect(equalParts(0.333333, 0.5)).toEqual({ passed: 2, parts: 3 });
    expect(equalParts(2, 2)).toEqual({ passed: 1, parts: 1 });
    const forgiven = results([item('a.b', 2, 2, { status: 'wrong_value', cases: cases([false, false]) }), item('c.d', 1.5, 2, { cases: cases([true]) })]);
    const runners = toClassroom(forgiven).map((x) => x.result);
    expect(runners[0].tests.map((t) => t.status)).toEqual(['pass']);
    expect(runners[1].tests.map((t) => t.status)).toEqual(['pass', 'pass', 'pass', 'fail']);
    expect(reporterLogPoints(runners).points).toBeCloseTo(3.5, 9);
    expect(reporterNoticePoints(runners).points).toBeCloseTo(3.5, 9);
  });

  test('hidden items graded are one runner per lab, named by their count, with their points together', () => {
    const withHidden = results([item('sigmoid.forward', 1, 1), item('hidden.x', 1, 1, { visibility: 'hidden' }), item('hidden.y', 0, 3, { visibility: 'hidden' })]);
    const runners = toClassroom(studentView(withHidden));
    expect(runners.map((x) => x.id)).toEqual(['activationsSigmoidForward', 'activationsHidden']);
    expect(runners[1].result.tests.map((t) => t.name)).toEqual(['activations: 2 hidden items, together (part 1 of 4)', 'activations: 2 hidden items, together (part 2 of 4)', 'activations: 2 hidden items, together (part 3 of 4)', 'activations: 2 hidden items, together (part 4 of 4)']);
    expect(JSON.stringify(runners)).not.toContain('hidden.x');
    expect(reporterLogPoints(runners.map((x) => x.result))).toEqual({ points: 2, max: 5 });
    expect(reporterNoticePoints(runners.map((x) => x.result))).toEqual({ points: 2, max: 5 });
  });

  test('round-trips through base64 as the reporter decodes it (Buffer.from(x, "base64"), JSON.parse)', () => {
    const [runner] = toClassroom(r);
    const encoded = encodeClassroomResult(runner.result);
    expect(encoded).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf-8'))).toEqual(runner.result);
    expect(decodeClassroomResult(encoded)).toEqual(runner.result);
  });
});

describe("Classroom 50's result.json", () => {
  const env = { CLASSROOM: 'cs-ml', ASSIGNMENT: 'activations', SUBMISSION_TAG: 'submit/2026-06-01T14-32-05Z-a1b2c3d', COMMIT_URL: 'https://github.com/o/r/commit/a1b2c3d', RELEASE_URL: 'https://github.com/o/r/releases/tag/submit%2F2026', OWNER: 'alice', ASSIGNMENT_TYPE: 'individual' };
  const ctx = classroom50Context(env, { labs: ['activations'], commitDate: new Date('2026-06-01T14:32:01.250Z'), now: new Date('2026-06-01T14:33:11Z') });

  test("fills the contract's fields from Classroom 50's runner variables", () => {
    const c = Classroom50ResultSchema.parse(toClassroom50(results([item('sigmoid.forward', 1, 1), item('gelu.backward', 0, 2)]), ctx));
    expect(c).toEqual({
      schema: 'classroom50/result/v1',
      classroom: 'cs-ml',
      assignment: 'activations',
      assignment_type: 'individual',
      owner: 'alice',
      submission: 'submit/2026-06-01T14-32-05Z-a1b2c3d',
      commit: 'https://github.com/o/r/commit/a1b2c3d',
      release: 'https://github.com/o/r/releases/tag/submit%2F2026',
      review: 'https://github.com/o/r/commit/a1b2c3d',
      datetime: '2026-06-01T14:32:01Z',
      graded_at: '2026-06-01T14:33:11Z',
      score: 1,
      'max-score': 3,
      tests: [
        { 'test-name': 'activations sigmoid.forward: sigmoid forward', passed: true, score: 1, 'max-score': 1, points: 1, 'max-points': 1, status: 'passed' },
        { 'test-name': 'activations gelu.backward: gelu backward', passed: false, score: 0, 'max-score': 2, points: 0, 'max-points': 2, status: 'wrong_value' },
      ],
    });
  });

  test('keeps points integers: one scale makes every score and maximum whole, so the total is exactly gradecheck\'s', () => {
    expect(pointScale([1, 2, 3])).toBe(1);
    expect(pointScale([1, 0.5])).toBe(10);
    expect(pointScale([0.25, 2])).toBe(100);
    expect(pointScale([0.666667, 2])).toBe(3); // 2 of 3 cases of a 1-point item
    const c = Classroom50ResultSchema.parse(toClassroom50(results([item('a.b', 0.333333, 0.5), item('c.d', 2, 3), item('e.f', 1.5, 1.5)]), ctx));
    expect(c.tests.map((t) => [t.score, t['max-score']])).toEqual([
      [2, 3],
      [12, 18],
      [9, 9],
    ]);
    expect(c.score / c['max-score']).toBeCloseTo((0.333333 + 2 + 1.5) / 5, 6);
  });

  test('falls back on what GitHub Actions sets, in the shapes the collector accepts', () => {
    const gh = classroom50Context({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'org/labs-bob', GITHUB_REPOSITORY_OWNER: 'org', GITHUB_SHA: 'ffeeddccbbaa99887766', GITHUB_ACTOR: 'bob' }, { labs: ['rnn', 'attention'], now: new Date('2026-03-04T05:06:07Z') });
    const c = Classroom50ResultSchema.parse(toClassroom50(results([item('a.b', 1, 1)]), gh));
    expect(c).toMatchObject({ classroom: 'org', assignment: 'rnn+attention', owner: 'bob', submission: 'submit/2026-03-04T05-06-07Z-ffeeddc', commit: 'https://github.com/org/labs-bob/commit/ffeeddccbbaa99887766', release: 'https://github.com/org/labs-bob/releases/tag/submit%2F2026-03-04T05-06-07Z-ffeeddc' });
  });
});

describe('GitHub workflow commands', () => {
  test('escape annotation messages and properties as the runner reads them', () => {
    expect(annotation('error', '100% wrong:\nsee, here', { file: 'labs/a,b.ts', line: 7, title: 'x: y' })).toBe('::error file=labs/a%2Cb.ts,line=7,title=x%3A y::100%25 wrong:%0Asee, here');
    expect(annotation('notice', 'done')).toBe('::notice::done');
  });

  test('write step outputs on one line, or as a heredoc with a delimiter, and read them back', () => {
    expect(outputEntry('result', 'eyJ2IjoxfQ==')).toBe('result=eyJ2IjoxfQ==\n');
    const multi = outputEntry('summary', 'a\nb');
    expect(multi).toMatch(/^summary<<ghadelimiter_[0-9a-f-]+\na\nb\nghadelimiter_[0-9a-f-]+\n$/);
    expect(parseOutputs(outputEntry('result', 'abc') + multi + outputEntry('score', '3'))).toEqual({ result: 'abc', summary: 'a\nb', score: '3' });
  });
});

describe('the student view of results', () => {
  test('keeps only the number and points of the items it does not list; after_due_date items are listed after the due date', () => {
    const r = results(
      [item('sigmoid.forward', 1, 1), item('hidden.sigmoid.backward', 0, 1, { visibility: 'hidden', hint: 'h', diagnosis: 'd' }), item('late.item', 1, 2, { visibility: 'after_due_date' })],
      '2026-10-02T23:59:00Z',
    );
    const before = studentView(r, new Date('2026-10-01T00:00:00Z'));
    expect(before.labs[0].items.map((i) => i.id)).toEqual(['sigmoid.forward']);
    expect(before.labs[0].hidden).toEqual({ items: 2, score: 1, max_score: 3 });
    expect(JSON.stringify(before)).not.toMatch(/hidden\.sigmoid|late\.item|wrong_value/);
    expect(before.score).toBe(r.score);
    const after = studentView(r, new Date('2026-10-03T00:00:00Z'));
    expect(after.labs[0].items.map((i) => i.id)).toEqual(['sigmoid.forward', 'late.item']);
    expect(after.labs[0].hidden).toEqual({ items: 1, score: 0, max_score: 1 });
  });
});

describe('the leak check', () => {
  test('compares code without comments or whitespace', () => {
    expect(normaliseCode('const a = 1; // one\n/* two */ return a +  b;')).toBe('consta=1;returna+b;');
  });

  test('counts a number as distinctive from 8 significant digits', () => {
    expect(isDistinctive(0.12345678)).toBe(true);
    expect(isDistinctive(-3.1415926535)).toBe(true);
    expect(isDistinctive(0.5)).toBe(false);
    expect(isDistinctive(1e-8)).toBe(false);
    expect(isDistinctive(1000)).toBe(false);
    expect(isDistinctive(-6.938893903907228e-17)).toBe(false);
  });
});

describe("the release's package-lock.json", () => {
  const harness = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;

  test("recomputes npm's dev/optional flags exactly as npm wrote them for the harness", () => {
    const again = subsetLock(harness, harness.packages[''] as Lockfile['packages'][string] & { name: string; version: string });
    expect(Object.keys(again.packages).sort()).toEqual(Object.keys(harness.packages).sort());
    for (const [loc, entry] of Object.entries(harness.packages)) {
      for (const flag of ['dev', 'optional', 'devOptional', 'peer'] as const) expect([loc, flag, again.packages[loc][flag]]).toEqual([loc, flag, entry[flag]]);
    }
  });

  test('holds only what the release needs, with tarball addresses, at the harness versions', () => {
    const root = { name: 'ml-labs', version: '1.0.0', dependencies: { zod: harness.packages[''].dependencies!.zod }, devDependencies: { jest: harness.packages[''].devDependencies!.jest } };
    const lock = subsetLock(harness, root);
    expect(lock.packages['node_modules/execa']).toBeUndefined();
    expect(lock.packages['node_modules/yaml']).toBeUndefined();
    expect(lock.packages['node_modules/zod']).toMatchObject({ version: harness.packages['node_modules/zod'].version, resolved: `https://registry.npmjs.org/zod/-/zod-${harness.packages['node_modules/zod'].version}.tgz` });
    expect(lock.packages['node_modules/zod'].dev).toBeUndefined();
    expect(lock.packages['node_modules/jest'].dev).toBe(true);
    for (const [loc, entry] of Object.entries(lock.packages)) if (loc) expect(entry.version).toBe(harness.packages[loc].version);
    expect(reachable(lock.packages).size).toBe(Object.keys(lock.packages).length);
  });

  test('resolves a dependency the way node does: nested first, then up the tree', () => {
    const packages = { '': {}, 'node_modules/a': {}, 'node_modules/b': {}, 'node_modules/@s/c': {}, 'node_modules/@s/c/node_modules/b': {} };
    expect(resolveLocation(packages, 'node_modules/@s/c', 'b')).toBe('node_modules/@s/c/node_modules/b');
    expect(resolveLocation(packages, 'node_modules/@s/c', 'a')).toBe('node_modules/a');
    expect(resolveLocation(packages, '', 'b')).toBe('node_modules/b');
    expect(resolveLocation(packages, 'node_modules/a', 'z')).toBeUndefined();
  });
});

describe("Gradescope's results.json", () => {
  const r = results([item('sigmoid.forward', 1, 1), item('hidden.softmax', 0, 2, { visibility: 'hidden' }), item('late.tanh', 0.5, 1, { visibility: 'after_due_date', diagnosis: 'tanh of x' })]);

  test('has one test per item with its points, status and visibility, and hides student output', () => {
    const g = GradescopeResultsSchema.parse(toGradescope(r, { executionTimeSeconds: 3.4 }));
    expect(g).toMatchObject({ score: 1.5, execution_time: 3, stdout_visibility: 'hidden' });
    expect(g.tests.map((t) => [t.name, t.score, t.max_score, t.status, t.visibility])).toEqual([
      ['activations: sigmoid forward', 1, 1, 'passed', 'visible'],
      ['activations: hidden softmax', 0, 2, 'failed', 'hidden'],
      ['activations: late tanh', 0.5, 1, 'failed', 'after_due_date'],
    ]);
    expect(g.tests[2].output).toContain('Diagnosis: tanh of x');
  });

  test('its always-visible top-level output totals the visible items, and says what else the score holds by count and points only', () => {
    expect(toGradescope(r).output).toBe('Visible items: 1 / 1\n\n+ 1 item (1 point), shown after the due date: graded, and in the score\n\n+ 1 hidden item (2 points), never shown: graded, and in the score');
  });
});
