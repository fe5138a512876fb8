/**
 * Code similarity (graders/report/similarity.ts) on the example class's code: a copy with renamed
 * variables, reordered functions and rewritten comments is found, and neither the stub nor the
 * code most of the class shares makes two students similar.
 */
import * as fs from 'fs';
import * as path from 'path';
import { labDocument } from '../../graders/report/code';
import { DEFAULT_SIMILARITY, StudentCode, labSimilarity } from '../../graders/report/similarity';
import { ROOT } from '../support/paths';

const FILE = 'labs/activations/activations.ts';
const read = (...parts: string[]) => fs.readFileSync(path.join(ROOT, ...parts), 'utf8');
const STUB = { [FILE]: read(FILE) };
const REFERENCE = read('reference', 'activations', 'activations.ts');
const fixture = (student: string): StudentCode => ({ student, files: { [FILE]: read('fixtures', 'submissions', student, FILE) } });

describe('similar code', () => {
  test('tokens are the syntax tree, not the names: renaming every variable changes none', () => {
    const renamed = REFERENCE.replace(/\bxi\b/g, 'value').replace(/\bdout\b/g, 'upstream').replace(/\bsigmoid\b/g, 'logistic');
    expect(renamed).not.toBe(REFERENCE);
    expect(labDocument({ [FILE]: renamed }).tokens).toEqual(labDocument({ [FILE]: REFERENCE }).tokens);
  });

  test('ranks a copy with renamed variables and reordered functions first, among copies of the common solution', () => {
    // Six students hand in the common (reference) solution, each with its own small change.
    const common = ['alice', 'bob', 'frank', 'grace', 'ivan', 'mallory', 'quinn'].map(fixture);
    const result = labSimilarity('activations', STUB, [...common, fixture('olivia'), fixture('rosa'), fixture('pat')]);
    expect(result.pairs.map((p) => [p.a, p.b])).toEqual([['olivia', 'pat']]);
    const [pair] = result.pairs;
    expect(pair.similarity).toBeGreaterThan(0.9);
    expect(pair.similarity).toBeGreaterThanOrEqual(DEFAULT_SIMILARITY.threshold);
    expect(pair.ofOwnCode).toBeLessThan(pair.similarity); // their common code is theirs but not a signal
  });

  test('shows the shared fragments side by side, at their own lines in each file', () => {
    const result = labSimilarity('activations', STUB, ['alice', 'olivia', 'pat'].map(fixture));
    const [pair] = result.pairs;
    expect(pair.fragments.length).toBeGreaterThan(0);
    const olivia = read('fixtures', 'submissions', 'olivia', FILE).split('\n');
    const pat = read('fixtures', 'submissions', 'pat', FILE).split('\n');
    for (const f of pair.fragments) {
      expect(f.a.path).toBe(FILE);
      expect(f.a.lines).toEqual(olivia.slice(f.a.startLine - 1, f.a.endLine));
      expect(f.b.lines).toEqual(pat.slice(f.b.startLine - 1, f.b.endLine));
    }
    // Pat's functions are in another order: the longest fragment is elsewhere in his file.
    expect(pair.fragments[0].a.startLine).not.toBe(pair.fragments[0].b.startLine);
    expect(pair.fragments.map((f) => f.kgrams)).toEqual([...pair.fragments.map((f) => f.kgrams)].sort((x, y) => y - x));
  });

  test('two students who hand in the same files are paired, as identical', () => {
    const copy = { ...fixture('olivia'), student: 'olivia-copy' };
    const result = labSimilarity('activations', STUB, [fixture('alice'), fixture('olivia'), copy, fixture('pat')]);
    expect(result.compared).toBe(4);
    expect(result.pairs.map((p) => [p.a, p.b, p.identical])).toEqual([
      ['olivia', 'olivia-copy', true],
      ['olivia', 'pat', false],
      ['olivia-copy', 'pat', false],
    ]);
    expect(result.pairs[0].similarity).toBe(1);
  });

  test('the stub does not count: students who handed in the starter code are not compared', () => {
    const stubOnly = (student: string): StudentCode => ({ student, files: { ...STUB } });
    const result = labSimilarity('activations', STUB, [stubOnly('carol'), stubOnly('dan'), fixture('olivia')], { ...DEFAULT_SIMILARITY, threshold: 0 });
    expect(result.compared).toBe(1);
    expect(result.pairs).toEqual([]);
  });

  test('code that more of the class has than the common-code share is not a signal, however similar', () => {
    // Seven copies of the reference: with the default, code in more than 5 of them is common.
    const copies: StudentCode[] = Array.from({ length: 7 }, (_, i) => ({ student: `copy${i}`, files: { [FILE]: REFERENCE } }));
    expect(labSimilarity('activations', STUB, copies).pairs).toEqual([]);
    // Counted as a signal only when the class says code in 7 of 7 is not common.
    const strict = labSimilarity('activations', STUB, copies, { ...DEFAULT_SIMILARITY, commonShare: 1, commonFloor: 7 });
    expect(strict.pairs).toHaveLength(21);
    expect(strict.pairs.every((p) => p.similarity === 1 && p.identical)).toBe(true);
  });
});
