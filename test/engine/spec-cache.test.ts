/**
 * The parsed data of a spec file is kept by content (spec-files.ts): a second read, in this
 * process or a later one, gives the same data as parsing the YAML, numbers JSON cannot write
 * included, and a problem found in data read from the cache is still located by file and line.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { z } from 'zod';
import { SpecDocument, SpecError, formatIssue } from '../../graders/engine/core/spec-files';
import { ROOT } from '../support/paths';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradecheck-spec-cache-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A text no earlier run has cached: the test's own random tag is part of it. */
function fresh(body: string): string {
  return `# ${process.pid}-${Math.random().toString(36).slice(2)}\n${body}`;
}

/** The data of `file` as a separate Node process reads it (so from the disk cache when kept). */
function readElsewhere(file: string): unknown {
  const script = `const { SpecDocument } = require('./graders/engine/core/spec-files.ts');
const d = SpecDocument.read(${JSON.stringify(file)}).data;
process.stdout.write(JSON.stringify(d, (k, v) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? 'num:' + (Object.is(v, -0) ? '-0' : String(v)) : v)));`;
  const r = spawnSync(process.execPath, ['-r', './graders/engine/host/register.cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const tagged = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x) => (typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0)) ? 'num:' + (Object.is(x, -0) ? '-0' : String(x)) : x)));

describe('spec files read from the cache', () => {
  const body = 'a: .inf\nb: -.inf\nc: .nan\nd: -0\ne: [1, 2.5, "x", null, true]\nf: { g: 1.0e+300, h: "\\u0000number" }\nk: &x { i: 1 }\nj: *x\n';

  test('give the data the YAML gives, .inf, .nan and -0 included, in this process and in another', () => {
    const file = path.join(dir, 'numbers.yaml');
    fs.writeFileSync(file, fresh(body));
    const parsed = SpecDocument.read(file).data as Record<string, unknown>;
    expect(parsed.a).toBe(Infinity);
    expect(Object.is(parsed.d, -0)).toBe(true);
    const again = SpecDocument.read(file).data;
    expect(tagged(again)).toEqual(tagged(parsed));
    expect(readElsewhere(file)).toEqual(tagged(parsed));
    // the copies are separate: a caller that changes its data changes no other read
    (again as Record<string, unknown>).a = 1;
    expect((SpecDocument.read(file).data as Record<string, unknown>).a).toBe(Infinity);
  });

  test('a problem in data read from the cache is located by file, line and column', () => {
    const file = path.join(dir, 'bad.yaml');
    const text = fresh('name: ok\nitems:\n  - points: 2\n  - points: two\n');
    fs.writeFileSync(file, text);
    const schema = z.object({ name: z.string(), items: z.array(z.object({ points: z.number() })) }).strict();
    const problems = () => {
      try {
        SpecDocument.read(file, 'rubrics/bad.yaml').parseWith(schema);
      } catch (e) {
        if (e instanceof SpecError) return e.issues.map(formatIssue);
        throw e;
      }
      return [];
    };
    const first = problems();
    expect(first).toEqual([expect.stringMatching(/^rubrics\/bad\.yaml:5:13 items\[1\]\.points: /)]);
    expect(problems()).toEqual(first);
    // and from another process's cache: the same text, a fresh process
    const r = spawnSync(
      process.execPath,
      ['-r', './graders/engine/host/register.cjs', '-e', `const { SpecDocument } = require('./graders/engine/core/spec-files.ts'); const d = SpecDocument.read(${JSON.stringify(file)}, 'rubrics/bad.yaml'); process.stdout.write(d.issue(['items', 1, 'points'], 'x').line + ':' + d.issue(['items', 1, 'points'], 'x').column);`],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.stdout).toBe('5:13');
  });

  test('a YAML syntax error is reported every time (nothing is kept for it)', () => {
    const file = path.join(dir, 'syntax.yaml');
    fs.writeFileSync(file, fresh('a: [1, 2\nb: 3\n'));
    for (let i = 0; i < 2; i++) expect(() => SpecDocument.read(file, 'x.yaml')).toThrow(/^x\.yaml:\d+:\d+ YAML syntax/);
  });
});
