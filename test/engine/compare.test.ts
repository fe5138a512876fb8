import { compareValues, measureErrors, mismatchStatus } from '../../graders/engine/core/compare';
import { formatMismatch } from '../../graders/emit/case-text';
import { TensorValue } from '../../graders/engine/core/values';

const t = (shape: number[], data: number[]): TensorValue => ({ shape, data: Float64Array.from(data) });
const tol = { rtol: 1e-6, atol: 1e-9 };

describe('compareValues', () => {
  test('accepts values within atol + rtol * |expected|', () => {
    expect(compareValues(t([2], [1, 1000]), t([2], [1 + 5e-7, 1000 + 9e-4]), tol).ok).toBe(true);
  });

  test('reports the worst element, its values, the max errors and how many are off', () => {
    const cmp = compareValues({ y: t([2, 3], [1, 2, 3, 4, 5, 6]) }, { y: t([2, 3], [1, 2.5, 3, 4, 5, 9]) }, tol);
    expect(cmp.ok).toBe(false);
    expect(cmp.mismatches).toEqual([
      { kind: 'wrong_value', path: 'y', shape: [2, 3], index: [1, 2], expected: 6, actual: 9, maxAbs: 3, maxRel: 0.5, off: 2, total: 6 },
    ]);
    expect(formatMismatch(cmp.mismatches[0])).toBe(
      'y: wrong value at [1, 2] of shape [2, 3]: expected 6, got 9 (max abs error 3, max rel error 0.5; 2 of 6 elements off)',
    );
  });

  test('checks shapes before values', () => {
    const cmp = compareValues(t([2, 3], [1, 2, 3, 4, 5, 6]), t([3, 2], [1, 2, 3, 4, 5, 6]), tol);
    expect(cmp.mismatches).toEqual([{ kind: 'wrong_shape', path: '', expected: [2, 3], actual: [3, 2] }]);
    expect(mismatchStatus(cmp.mismatches)).toBe('wrong_shape');
  });

  test('a NaN or infinity where a finite value is expected is not_finite, at the first such element', () => {
    const cmp = compareValues(t([4], [1, 2, 3, 4]), t([4], [1, 2.5, NaN, Infinity]), tol);
    expect(mismatchStatus(cmp.mismatches)).toBe('not_finite');
    expect(cmp.mismatches[0]).toMatchObject({ kind: 'not_finite', index: [2], off: 3 });
    expect(formatMismatch(cmp.mismatches[0])).toContain('got NaN at [2] where 3 was expected');
  });

  test('an expected infinity must be the same infinity; an expected NaN must be NaN', () => {
    expect(compareValues(t([2], [Infinity, NaN]), t([2], [Infinity, NaN]), tol).ok).toBe(true);
    expect(compareValues(t([1], [Infinity]), t([1], [-Infinity]), tol).ok).toBe(false);
    expect(compareValues(t([1], [Infinity]), t([1], [1e308]), tol).ok).toBe(false);
    expect(compareValues(t([1], [NaN]), t([1], [0]), tol).ok).toBe(false);
  });

  test('a number and a shape-[] tensor are the same thing', () => {
    expect(compareValues(2.5, t([], [2.5]), tol).ok).toBe(true);
    expect(compareValues(t([], [2.5]), 2.5, tol).ok).toBe(true);
  });

  test('records compare every expected key, nested; extra keys are ignored', () => {
    const cmp = compareValues({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { d: 0 }, extra: 3 }, tol);
    expect(cmp.mismatches).toEqual([{ kind: 'missing', path: 'b.c' }]);
    const kind = compareValues({ y: t([2], [1, 2]) }, { y: 'oops' }, tol);
    expect(formatMismatch(kind.mismatches[0])).toBe('y: expected a tensor [2], got a string');
  });

  test('measureErrors gives max abs and rel error of every part', () => {
    expect(measureErrors({ y: t([2], [1, -4]) }, { y: t([2], [1.5, -4]) })).toEqual([{ path: 'y', maxAbs: 0.5, maxRel: 0.5 }]);
  });
});
