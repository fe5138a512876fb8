/**
 * Numbers as JSON can hold them: NaN, the infinities and -0 (which JSON cannot) as strings, so
 * a results file keeps a student's NaN as NaN. No dependencies: the writers load it too.
 */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

export function toJsonNumber(x: number): JsonNumber {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return x;
}

export function fromJsonNumber(x: JsonNumber): number {
  return typeof x === 'number' ? x : Number(x);
}
