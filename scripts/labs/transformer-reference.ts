/**
 * The transformer lab's reference, loadable by plain `node -r ./graders/engine/host/register.cjs`: the
 * grader sees reference/transformer/ laid over labs/transformer/ (provided/ and ../common
 * live only in labs/), and tsconfig's rootDirs says the same to the type checker. This
 * module teaches Node's resolver that rule, for the lab's scripts only, and loads the
 * reference's char LM and sampler.
 */
import * as path from 'path';
import Module = require('module');
import type * as CharLm from '../../reference/transformer/char_lm';
import type * as Sampling from '../../reference/transformer/sampling';

const ROOT = path.resolve(__dirname, '..', '..');
const REFERENCE = path.join(ROOT, 'reference');
const LABS = path.join(ROOT, 'labs');

type Resolve = (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => string;
const resolver = Module as unknown as { _resolveFilename: Resolve };
const resolveFilename = resolver._resolveFilename;

resolver._resolveFilename = function resolveOverLabs(this: unknown, request, parent, ...rest) {
  try {
    return resolveFilename.call(this, request, parent, ...rest);
  } catch (e) {
    const from = parent?.filename;
    if (!from || !request.startsWith('.') || !from.startsWith(REFERENCE + path.sep)) throw e;
    // reference/transformer/x.ts importing './provided/attention' means labs/transformer/provided/attention
    const mirrored = path.resolve(path.join(LABS, path.relative(REFERENCE, path.dirname(from))), request);
    return resolveFilename.call(this, mirrored, parent, ...rest);
  }
};

export type ReferenceCharLm = typeof CharLm & typeof Sampling;

export function loadReference(): ReferenceCharLm {
  return {
    ...(require('../../reference/transformer/char_lm') as typeof CharLm),
    ...(require('../../reference/transformer/sampling') as typeof Sampling),
  };
}
