/**
 * The pieces of a release that have a platform's format to follow: GitHub Classroom's
 * autograding result, Classroom 50's result.json, GitHub's workflow commands, the student view
 * of results, and the release's package-lock.json cut from the harness's.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decodeClassroomResult, encodeClassroomResult, toClassroom } from '../../graders/emit/classroom';
import { Classroom50ResultSchema, classroom50Context, pointScale, toClassroom50 } from '../../graders/emit/classroom50';
import { GradescopeResultsSchema, toGradescope } from '../../graders/emit/gradescope';
import { ItemResult, Results } from '../../graders/engine/results';
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
    version: 1,
    submission: '.',
    score: sum('score'),
    max_score: sum('max_score'),
    sandbox: 'permission',
    labs: [{ lab: 'activations', title: 'Activation functions', score: sum('score'), max_score: sum('max_score'), status: 'graded', message: '', notes: [], items, ...(due ? { due } : {}) }],
  };
}

describe('GitHub Classroom autograding result', () => {
  const r = results([item('sigmoid.forward', 1, 1), item('softmax.backward', 0.666667, 2, { diagnosis: 'only the diagonal', hint: 'use the full Jacobian' })]);

  test('is version 1 with status, max_score and one test per item carrying its partial points', () => {
    const c = toClassroom(r, { locate: () => ({ file: 'labs/activations/activations.ts', line: 42 }) });
    expect(c).toMatchObject({ version: 1, status: 'fail', max_score: 3 });
    expect(c.tests).toEqual([
      { name: 'activations sigmoid.forward: sigmoid forward', status: 'pass', score: 1, message: '2 cases passed', test_code: 'npm test -- activations', filename: 'labs/activations/activations.ts', line_no: 42, duration: 12 },
      {
        name: 'activations softmax.backward: softmax backward',
        status: 'fail',
        score: 0.666667,
        message: 'wrong_value: case "1": 3 of 24 elements differ\nDiagnosis: only the diagonal\nHint: use the full Jacobian',
        test_code: 'npm test -- activations',
        filename: 'labs/activations/activations.ts',
        line_no: 42,
        duration: 12,
      },
    ]);
  });

  test('round-trips through base64 as the reporter decodes it (Buffer.from(x, "base64"), JSON.parse)', () => {
    const encoded = encodeClassroomResult(toClassroom(r));
    expect(encoded).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const asReporter = JSON.parse(Buffer.from(encoded, 'base64').toString('utf-8'));
    // The reporter's NotifyClassroom: max points from max_score, points from the tests' scores.
    expect(asReporter.max_score).toBe(3);
    expect(asReporter.tests.reduce((s: number, t: { score: number }) => s + t.score, 0)).toBeCloseTo(1.666667, 9);
    expect(decodeClassroomResult(encoded)).toEqual(toClassroom(r));
  });

  test('passes when every item passes', () => {
    expect(toClassroom(results([item('a.b', 1, 1)])).status).toBe('pass');
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

  test('keeps points integers: scaled to make every maximum whole, partial credit rounded down', () => {
    expect(pointScale([1, 2, 3])).toBe(1);
    expect(pointScale([1, 0.5])).toBe(10);
    expect(pointScale([0.25, 2])).toBe(100);
    const c = Classroom50ResultSchema.parse(toClassroom50(results([item('a.b', 0.333333, 0.5), item('c.d', 1.999999, 3), item('e.f', 1.5, 1.5)]), ctx));
    expect(c.tests.map((t) => [t.score, t['max-score']])).toEqual([
      [3, 5],
      [19, 30],
      [15, 15],
    ]);
    expect([c.score, c['max-score']]).toEqual([37, 50]);
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
  test('keeps the points of hidden items and nothing else; after_due_date items show after the due date', () => {
    const r = results(
      [item('sigmoid.forward', 1, 1), item('hidden.sigmoid.backward', 0, 1, { visibility: 'hidden', hint: 'h', diagnosis: 'd' }), item('late.item', 1, 2, { visibility: 'after_due_date' })],
      '2026-10-02T23:59:00Z',
    );
    const before = studentView(r, new Date('2026-10-01T00:00:00Z'));
    expect(before.labs[0].items.map((i) => i.id)).toEqual(['sigmoid.forward', 'hidden-1', 'hidden-2']);
    expect(before.labs[0].items[1]).toEqual({ id: 'hidden-1', title: 'hidden item 1', score: 0, max_score: 1, status: 'wrong_value', message: 'not shown until your work is graded', visibility: 'hidden', duration_ms: 0, cases: [] });
    expect(before.score).toBe(r.score);
    const after = studentView(r, new Date('2026-10-03T00:00:00Z'));
    expect(after.labs[0].items.map((i) => i.id)).toEqual(['sigmoid.forward', 'hidden-1', 'late.item']);
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

  test('its always-visible top-level output totals the visible items only', () => {
    expect(toGradescope(r).output).toBe('Visible items: 1 / 1');
  });
});
