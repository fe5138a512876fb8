/**
 * Loading a lab's reference with plain `node -r ./graders/engine/host/register.cjs`: the grader
 * sees reference/<lab>/ laid over labs/<lab>/ (provided/ and ../common live only in labs/), and
 * tsconfig's rootDirs says the same to the type checker. `overLabs()` teaches Node's resolver
 * that rule, for the labs' scripts only: a relative import of a reference file that does not
 * resolve under reference/ is looked up at the same place under labs/.
 */
import * as path from 'path';
import Module = require('module');

const ROOT = path.resolve(__dirname, '..', '..');
const REFERENCE = path.join(ROOT, 'reference');
const LABS = path.join(ROOT, 'labs');

type Resolve = (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => string;
const resolver = Module as unknown as { _resolveFilename: Resolve & { overLabs?: true } };

export function overLabs(): void {
  const resolveFilename = resolver._resolveFilename;
  if (resolveFilename.overLabs) return;
  const resolveOverLabs: Resolve & { overLabs?: true } = function (this: unknown, request, parent, ...rest) {
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
  resolveOverLabs.overLabs = true;
  resolver._resolveFilename = resolveOverLabs;
}
