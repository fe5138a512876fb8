/**
 * The oracle check: the reference implementations against golden cases computed by PyTorch
 * autograd in float64 (../shared/oracle/<lab>.json). A case names an op; the lab's ops glue
 * runs it on the reference, forward with the case's inputs and params, and backward with its
 * upstream gradients when it has expected gradients. Any folder of cases in the same format
 * works unchanged.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Tolerance, compareValues, measureErrors } from '../core/compare';
import { formatMismatch } from '../../emit/case-text';
import { startTrusted } from './expected-values';
import { loadLab } from '../core/labs';
import { Values, fromJson } from '../core/values';

export const ORACLE_TOLERANCE: Tolerance = { rtol: 1e-9, atol: 1e-12 };

export interface OracleAgreement {
  /** `outputs.y`, `grads.W_ih`, ... */
  path: string;
  maxAbs: number;
  maxRel: number;
}

export interface OracleCaseResult {
  id: string;
  op: string;
  ok: boolean;
  /** Why the case failed or could not run. */
  problems: string[];
  agreement: OracleAgreement[];
}

export interface OracleLabResult {
  lab: string;
  file: string;
  /** False when the oracle folder has no file for this lab. */
  found: boolean;
  cases: OracleCaseResult[];
}

interface OracleCase {
  id: string;
  op: string;
  params?: Values;
  inputs?: Values;
  upstream?: Values;
  outputs?: Values;
  grads?: Values;
}

const TIMEOUT_MS = 60000;

/** Checks one lab's reference against `<dir>/<lab>.json`. */
export async function checkOracle(root: string, labName: string, dir: string, tol: Tolerance = ORACLE_TOLERANCE): Promise<OracleLabResult> {
  const file = path.join(dir, `${labName}.json`);
  if (!fs.existsSync(file)) return { lab: labName, file, found: false, cases: [] };
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { cases: unknown[] };
  const lab = loadLab(root, labName);
  const proc = startTrusted(root, lab);
  const cases: OracleCaseResult[] = [];
  try {
    for (const rawCase of raw.cases) {
      const c = fromJson(rawCase) as unknown as OracleCase;
      const result: OracleCaseResult = { id: c.id, op: c.op, ok: true, problems: [], agreement: [] };
      cases.push(result);
      const op = lab.ops[c.op];
      const params = (c.params ?? {}) as Values as Record<string, never>;
      const inputs = c.inputs ?? {};
      const check = (kind: 'outputs' | 'grads', expected: Values, actual: Values) => {
        const cmp = compareValues(expected, actual, tol);
        if (!cmp.ok) result.problems.push(...cmp.mismatches.map((m) => `${kind}.${formatMismatch(m)}`));
        result.agreement.push(...measureErrors(expected, actual).map((e) => ({ ...e, path: `${kind}.${e.path}` })));
      };
      if (!op) {
        result.problems.push(`the ${labName} lab has no op "${c.op}" to run this case`);
      } else {
        const fwd = await proc.call({ op: c.op, stage: 'forward', inputs, params }, TIMEOUT_MS);
        if (!fwd.ok) result.problems.push(`forward ${fwd.failure.status}: ${fwd.failure.message}`);
        else if (c.outputs) check('outputs', c.outputs, fwd.value);
        if (c.grads && Object.keys(c.grads).length > 0) {
          if (!op.backward) result.problems.push(`op "${c.op}" has no backward, but the case has gradients`);
          else {
            const bwd = await proc.call({ op: c.op, stage: 'backward', inputs, params, upstream: c.upstream ?? {} }, TIMEOUT_MS);
            if (!bwd.ok) result.problems.push(`backward ${bwd.failure.status}: ${bwd.failure.message}`);
            else check('grads', c.grads, bwd.value);
          }
        }
      }
      result.ok = result.problems.length === 0;
    }
  } finally {
    await proc.close();
  }
  return { lab: labName, file, found: true, cases };
}
