import * as fs from 'fs';
import * as path from 'path';
import { listLabs, loadLab } from '../../graders/engine/core/labs';
import { LabCatalogue, loadRubric } from '../../graders/engine/core/rubric';
import { SpecError, formatIssue } from '../../graders/engine/core/spec-files';
import { ROOT } from '../support/paths';
import { tempDir } from '../support/temp';

const dir = tempDir('rubric');
const catalogue: LabCatalogue = {
  lab: 'toy',
  ops: { square: { backward: () => ({}), inputs: { x: {} } }, table: { inputs: { x: {} } } },
  fixtures: new Set(['edge']),
  mutants: new Set(['square-grad-sign']),
};

function write(text: string): string {
  const file = path.join(dir, `r${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

function problems(text: string, lab: LabCatalogue | undefined = catalogue): string[] {
  try {
    loadRubric(write(text), 'rubrics/toy.yaml', lab);
  } catch (e) {
    if (e instanceof SpecError) return e.issues.map(formatIssue);
    throw e;
  }
  return [];
}

const GOOD = `lab: toy
title: A toy lab
files: [toy.ts]
defaults: { timeout: 3 }
items:
  - id: square.forward
    title: square forward
    points: 2
    op: square
    check: forward
    cases: [{ seed: 1 }, { fixture: edge }]
  - id: square.backward
    title: square backward
    points: 3
    op: square
    check: backward
    tolerance: { rtol: 1.0e-4 }
    visibility: hidden
    scoring: all_or_nothing
    mutants: [square-grad-sign]
    cases: [{ seed: 2, shapes: { x: [3, 4] } }]
`;

describe('the rubric schema', () => {
  test('a valid rubric loads, with the defaults applied', () => {
    const r = loadRubric(write(GOOD), 'rubrics/toy.yaml', catalogue);
    expect(r.items.map((i) => i.id)).toEqual(['square.forward', 'square.backward']);
    expect(r.items[0]).toMatchObject({ tolerance: { rtol: 1e-6, atol: 1e-9 }, timeout: 3, visibility: 'visible', scoring: 'proportional' });
    expect(r.items[1]).toMatchObject({ tolerance: { rtol: 1e-4, atol: 1e-9 }, visibility: 'hidden', scoring: 'all_or_nothing', mutants: ['square-grad-sign'] });
    expect(r.items[1].gradcheck).toMatchObject({ eps: 1e-6, atol: 1e-5, rtol: 1e-3 });
  });

  test('rejects a bad rubric with every problem listed, each with file, line and path', () => {
    const bad = GOOD.replace('points: 2', 'points: -2')
      .replace('tolerance: { rtol: 1.0e-4 }', 'tolerance: { rtol: -1 }')
      .replace('scoring: all_or_nothing', 'scoring: sometimes')
      .replace('    visibility: hidden\n', '    visibility: hidden\n    tolerence: 3\n');
    expect(problems(bad)).toEqual([
      'rubrics/toy.yaml:8:13 items[0].points: Too small: expected number to be >0',
      'rubrics/toy.yaml:17:24 items[1].tolerance.rtol: Too small: expected number to be >=0',
      'rubrics/toy.yaml:20:14 items[1].scoring: Invalid option: expected one of "all_or_nothing"|"proportional"',
      'rubrics/toy.yaml:19:16 items[1].tolerence: unknown field "tolerence"',
    ]);
  });

  test('rejects duplicate ids, a case with both a seed and a fixture, and a missing field', () => {
    const bad = GOOD.replace('id: square.backward', 'id: square.forward').replace('cases: [{ seed: 1 }, { fixture: edge }]', 'cases: [{ seed: 1, fixture: edge }]').replace('    title: square backward\n', '');
    const out = problems(bad);
    expect(out).toEqual([
      'rubrics/toy.yaml:11:13 items[0].cases[0]: a case needs exactly one of `seed` (drawn inputs) or `fixture` (named inputs)',
      'rubrics/toy.yaml:12:5 items[1].title: Invalid input: expected string, received undefined',
      'rubrics/toy.yaml:12:9 items[1].id: duplicate item id "square.forward" (first at items[0])',
    ]);
  });

  test('rejects an unknown op, fixture or mutant, and a backward check of an op without one', () => {
    const bad = GOOD.replace('{ fixture: edge }', '{ fixture: nowhere }').replace('mutants: [square-grad-sign]', 'mutants: [no-such-mutant]').replace('op: square\n    check: backward', 'op: table\n    check: backward');
    expect(problems(bad)).toEqual([
      'rubrics/toy.yaml:11:37 items[0].cases[1].fixture: no fixture "nowhere" in fixtures/cases/toy.yaml',
      'rubrics/toy.yaml:16:12 items[1].check: op "table" has no backward',
      'rubrics/toy.yaml:20:15 items[1].mutants[0]: no mutant "no-such-mutant" in fixtures/mutants/toy/',
    ]);
    expect(problems(GOOD.replace('op: square\n    check: forward', 'op: cube\n    check: forward'))[0]).toBe(
      'rubrics/toy.yaml:9:9 items[0].op: unknown op "cube"; the lab\'s ops are: square, table',
    );
  });

  test('reports schema problems and problems that need the lab together, in one pass', () => {
    // items[0] breaks the schema; items[1] is well-formed but names an unknown mutant and builds on a missing item.
    const bad = GOOD.replace('points: 2', 'points: -2').replace('mutants: [square-grad-sign]', 'mutants: [no-such-mutant]\n    builds_on: [nowhere.forward]');
    const found = problems(bad);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rubrics\/toy\.yaml:\d+:\d+ items\[0\]\.points: /),
        expect.stringContaining('items[1].mutants[0]: no mutant "no-such-mutant"'),
        expect.stringContaining('items[1].builds_on[0]: no item "nowhere.forward" in this rubric'),
      ]),
    );
  });

  test('reports a YAML syntax error with its line', () => {
    expect(problems('lab: toy\nitems: [\n  - id: x\n')[0]).toMatch(/^rubrics\/toy\.yaml:\d+:\d+ YAML syntax: /);
  });

  test("every lab's rubric in the repository loads against its ops, fixtures and mutants", () => {
    const labs = listLabs(ROOT);
    expect(labs).toContain('activations');
    for (const lab of labs) expect(loadLab(ROOT, lab).rubric.items.length).toBeGreaterThan(0);
  });
});
