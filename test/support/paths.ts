import * as fs from 'fs';
import * as path from 'path';

/** The harness checkout under test. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** The PyTorch golden cases, beside the checkout (read-only, shared between projects). */
export const ORACLE_DIR = path.resolve(ROOT, '..', 'shared', 'oracle');
export const HAS_ORACLE = fs.existsSync(ORACLE_DIR);

/** The golden cases of the lecture's other sequence models (deep RNNs, sequence to vector, attention decoders), same format, beside ORACLE_DIR. */
export const ORACLE_SEQUENCE_DIR = path.resolve(ROOT, '..', 'shared', 'oracle-sequence');
export const HAS_ORACLE_SEQUENCE = fs.existsSync(ORACLE_SEQUENCE_DIR);
