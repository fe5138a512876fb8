import * as fs from 'fs';
import * as path from 'path';

/** The harness checkout under test. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** The PyTorch golden cases, beside the checkout (read-only, shared between projects). */
export const ORACLE_DIR = path.resolve(ROOT, '..', 'shared', 'oracle');
export const HAS_ORACLE = fs.existsSync(ORACLE_DIR);
