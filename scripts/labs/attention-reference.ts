/**
 * The attention lab's reference decoder, loadable by plain `node -r ./graders/engine/host/register.cjs`:
 * the grader sees reference/attention/ laid over labs/attention/ (provided/ and ../common live
 * only in labs/), and tsconfig's rootDirs says the same to the type checker. This module
 * teaches Node's resolver that rule, for the lab's scripts only, and loads the reference.
 */
import * as path from 'path';
import Module = require('module');
import type * as Decoder from '../../reference/attention/decoder';

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
    // reference/attention/decoder.ts importing './provided/gru' means labs/attention/provided/gru
    const mirrored = path.resolve(path.join(LABS, path.relative(REFERENCE, path.dirname(from))), request);
    return resolveFilename.call(this, mirrored, parent, ...rest);
  }
};

export type ReferenceDecoder = typeof Decoder;

export function loadReference(): ReferenceDecoder {
  return require('../../reference/attention/decoder') as typeof Decoder;
}
