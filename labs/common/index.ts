/** What every lab is given: the tensor type and its helpers, a seeded RNG, erf, and the stub marker. */
export * from './tensor';
export { Rng } from './rng';
export { erf } from './erf';
export { NotImplementedError, notImplemented } from './errors';
