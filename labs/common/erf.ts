/** The error function erf(x) = 2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt (JavaScript has none). */
import erfImpl = require('@stdlib/math-base-special-erf');

export function erf(x: number): number {
  return erfImpl(x);
}
