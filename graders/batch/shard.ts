/**
 * Sharding: `--shard i/n` grades a deterministic 1/n of the submissions, so that n machines
 * (a CI matrix, a Slurm job array, a Kubernetes Indexed Job) grade a course between them and
 * `merge` joins their folders. A student's shard depends only on the student id (a hash), not
 * on who else submitted, so a late submission does not move anyone to another shard.
 *
 * `--shard auto` reads i and n from the engine that started the process (shardFromEnvironment).
 * Each engine numbers its tasks its own way; a shard here is always 1-based.
 */
import { createHash } from 'crypto';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** "2/3" -> {index: 2, count: 3}; undefined when malformed. */
export function parseShard(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && index >= 1 && index <= count ? { index, count } : undefined;
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The shard (1-based) a student belongs to among `count`. */
export function shardOf(student: string, count: number): number {
  return (createHash('sha256').update(student).digest().readUInt32BE(0) % count) + 1;
}

export function inShard(student: string, shard: Shard | undefined): boolean {
  return !shard || shardOf(student, shard.count) === shard.index;
}

// ----- --shard auto: the shard from the engine that started us ----------------------------------

/** Set by hand (a GitHub Actions matrix, any other scheduler): `i/n`, 1-based. */
export const SHARD_ENV = 'GRADECHECK_SHARD';
/** The shard count where the engine gives only an index (a Kubernetes Indexed Job's `completions`). */
export const SHARD_COUNT_ENV = 'GRADECHECK_SHARD_COUNT';

/** `option`: --shard i/n; `explicit`: GRADECHECK_SHARD; else the engine that set the variables. */
export type ShardEngine = 'option' | 'explicit' | 'slurm' | 'kubernetes';

export interface ShardFound {
  ok: true;
  shard: Shard;
  engine: ShardEngine;
  /** Where the shard came from, for the log: `Slurm job array task 3 of 1-3`. */
  from: string;
}

export type ShardProblemCode =
  /** No engine's variables are set. */
  | 'no_engine'
  /** An engine was recognised but one of its variables is missing. */
  | 'missing_variable'
  /** A variable is set but is not what it should be (not a number, out of range). */
  | 'bad_variable'
  /** A Slurm array whose task ids are not evenly spaced (`--array=1,3,10`). */
  | 'uneven_array'
  /** Two engines' variables at once. */
  | 'ambiguous'
  /** GRADECHECK_SHARD_COUNT says another count than the engine. */
  | 'count_mismatch'
  /** `--shard` is neither i/n nor auto. */
  | 'bad_option';

export interface ShardProblem {
  ok: false;
  code: ShardProblemCode;
  /** The variable at fault, when there is one. */
  variable?: string;
  message: string;
}

export type ShardChoice = ShardFound | ShardProblem;

type Env = Record<string, string | undefined>;

/** What `--shard auto` looks for, in this order (for the "found nothing" message). */
export const SHARD_AUTO_SOURCES = [
  `${SHARD_ENV}=i/n (set it yourself, e.g. from a GitHub Actions matrix)`,
  'SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_MAX, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_STEP (a Slurm job array)',
  `JOB_COMPLETION_INDEX with ${SHARD_COUNT_ENV} (a Kubernetes Indexed Job; set the count to the Job's completions)`,
];

/** The --shard option's help line. */
export const SHARD_OPTION_HELP =
  'grade only shard i of n (by a hash of the student id), or `auto`: i and n from a Slurm job array, ' +
  `a Kubernetes Indexed Job (${SHARD_COUNT_ENV}=n needed) or ${SHARD_ENV}=i/n; join shards with \`gradecheck merge\` (docs/batch.md)`;

const problem = (code: ShardProblemCode, message: string, variable?: string): ShardProblem => ({ ok: false, code, variable, message });
const shown = (env: Env, name: string) => `${name}=${JSON.stringify(env[name])}`;

/** A variable that must hold a non-negative integer: the number, or what is wrong with it. */
function wholeNumber(env: Env, name: string, what: string): number | ShardProblem {
  const text = env[name];
  if (text === undefined || text.trim() === '') return problem('missing_variable', `${name} is not set: ${what}`, name);
  if (!/^\d+$/.test(text.trim())) return problem('bad_variable', `${shown(env, name)} is not a whole number: ${what}`, name);
  return Number(text.trim());
}

/** GRADECHECK_SHARD_COUNT, when set: must agree with the count an engine gives. */
function checkCount(env: Env, found: ShardFound): ShardChoice {
  if (env[SHARD_COUNT_ENV] === undefined) return found;
  const count = wholeNumber(env, SHARD_COUNT_ENV, 'the number of shards');
  if (typeof count !== 'number') return count;
  if (count === found.shard.count) return found;
  return problem(
    'count_mismatch',
    `${SHARD_COUNT_ENV}=${count}, but ${found.from} makes ${found.shard.count} shard${found.shard.count === 1 ? '' : 's'}: ` +
      (found.engine === 'slurm'
        ? `to grade one shard of a split again, requeue its task (scontrol requeue JOBID_TASK) or run --shard i/${count}, rather than a new array`
        : `set ${SHARD_COUNT_ENV} to the real count, or pass --shard i/n`),
    SHARD_COUNT_ENV,
  );
}

function fromExplicit(env: Env): ShardChoice {
  const shard = parseShard(env[SHARD_ENV]!);
  if (!shard) return problem('bad_variable', `${shown(env, SHARD_ENV)} must be i/n with 1 <= i <= n (e.g. 2/4)`, SHARD_ENV);
  return checkCount(env, { ok: true, shard, engine: 'explicit', from: `${SHARD_ENV}=${formatShard(shard)}` });
}

/**
 * A Slurm job array: task ids min, min+step, ..., max (`--array=0-3`, `--array=1-7:2`). The
 * shard is the task's position in the array, so an array need not start at 1. An array whose
 * ids are not evenly spaced (`--array=1,3,10`, or one task resubmitted on its own) does not
 * say how many shards the split has, so it is refused rather than guessed at.
 */
function fromSlurm(env: Env): ShardChoice {
  const what = 'Slurm sets it in every task of a job array (sbatch --array)';
  const values: Record<string, number> = {};
  for (const name of ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX', 'SLURM_ARRAY_TASK_COUNT']) {
    const v = wholeNumber(env, name, what);
    if (typeof v !== 'number') return v;
    values[name] = v;
  }
  const { SLURM_ARRAY_TASK_ID: id, SLURM_ARRAY_TASK_MIN: min, SLURM_ARRAY_TASK_MAX: max, SLURM_ARRAY_TASK_COUNT: count } = values;
  const range = `${min}-${max}`;
  if (count < 1) return problem('bad_variable', `${shown(env, 'SLURM_ARRAY_TASK_COUNT')}: an array has at least one task`, 'SLURM_ARRAY_TASK_COUNT');
  if (min > max) return problem('bad_variable', `SLURM_ARRAY_TASK_MIN=${min} is above SLURM_ARRAY_TASK_MAX=${max}`, 'SLURM_ARRAY_TASK_MIN');
  if (id < min || id > max) return problem('bad_variable', `SLURM_ARRAY_TASK_ID=${id} is outside the array's ids ${range} (SLURM_ARRAY_TASK_MIN/MAX)`, 'SLURM_ARRAY_TASK_ID');
  let step = count === 1 ? 1 : (max - min) / (count - 1);
  if (env.SLURM_ARRAY_TASK_STEP !== undefined) {
    const given = wholeNumber(env, 'SLURM_ARRAY_TASK_STEP', what);
    if (typeof given !== 'number') return given;
    if (count > 1 && given !== step) step = NaN; // the spacing Slurm reports is not the one min, max and count imply
  }
  const ids = `SLURM_ARRAY_TASK_MIN=${min}, _MAX=${max}, _COUNT=${count}${env.SLURM_ARRAY_TASK_STEP !== undefined ? `, _STEP=${env.SLURM_ARRAY_TASK_STEP.trim()}` : ''}`;
  if (!Number.isInteger(step) || step < 1 || (id - min) % step !== 0 || (count === 1 && min !== max)) {
    return problem(
      'uneven_array',
      `this Slurm job array's task ids are not evenly spaced (${ids}), so its tasks cannot be numbered as shards: ` +
        `submit the array as --array=1-N (or A-B, or A-B:S), or pass --shard i/n`,
      'SLURM_ARRAY_TASK_ID',
    );
  }
  const index = (id - min) / step + 1;
  const spec = `${range}${step > 1 ? `:${step}` : ''}`;
  return checkCount(env, { ok: true, shard: { index, count }, engine: 'slurm', from: `Slurm job array task ${id} of ${spec}` });
}

/** A Kubernetes Indexed Job: JOB_COMPLETION_INDEX is 0-based; the count is not in the pod's environment. */
function fromKubernetes(env: Env): ShardChoice {
  const index = wholeNumber(env, 'JOB_COMPLETION_INDEX', 'Kubernetes sets it in the pods of an Indexed Job');
  if (typeof index !== 'number') return index;
  const count = wholeNumber(env, SHARD_COUNT_ENV, "a Kubernetes Indexed Job does not tell its pods how many there are: set it to the Job's spec.completions");
  if (typeof count !== 'number') return count;
  if (count < 1) return problem('bad_variable', `${SHARD_COUNT_ENV}=${count}: there is at least one shard`, SHARD_COUNT_ENV);
  if (index >= count) {
    return problem('bad_variable', `JOB_COMPLETION_INDEX=${index} is not below ${SHARD_COUNT_ENV}=${count} (indexes run from 0 to completions - 1): set ${SHARD_COUNT_ENV} to the Job's spec.completions`, 'JOB_COMPLETION_INDEX');
  }
  return { ok: true, shard: { index: index + 1, count }, engine: 'kubernetes', from: `Kubernetes Indexed Job pod ${index} of 0-${count - 1}` };
}

/**
 * The shard this process should grade, from the engine that started it: GRADECHECK_SHARD if
 * set, else a Slurm job array or a Kubernetes Indexed Job. Every problem names the variable.
 */
export function shardFromEnvironment(env: Env): ShardChoice {
  if (env[SHARD_ENV] !== undefined) return fromExplicit(env);
  const slurm = env.SLURM_ARRAY_TASK_ID !== undefined;
  const kubernetes = env.JOB_COMPLETION_INDEX !== undefined;
  if (slurm && kubernetes) {
    return problem('ambiguous', `both SLURM_ARRAY_TASK_ID (Slurm) and JOB_COMPLETION_INDEX (Kubernetes) are set: set ${SHARD_ENV}=i/n or pass --shard i/n to say which`);
  }
  if (slurm) return fromSlurm(env);
  if (kubernetes) return fromKubernetes(env);
  const looked = `looked for ${SHARD_AUTO_SOURCES.join('; ')}`;
  if (env[SHARD_COUNT_ENV] !== undefined) {
    return problem('missing_variable', `${SHARD_COUNT_ENV} is set, but no index to go with it (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID): ${looked}`, 'JOB_COMPLETION_INDEX');
  }
  const where =
    env.SLURM_JOB_ID !== undefined
      ? ` This is a Slurm job (SLURM_JOB_ID=${env.SLURM_JOB_ID}) but not a job array: submit it with sbatch --array=1-N.`
      : env.GITHUB_ACTIONS === 'true'
        ? ` GitHub Actions does not put the matrix in the environment: pass --shard \${{ matrix.shard }}/\${{ strategy.job-total }}, or set ${SHARD_ENV} in the step's env.`
        : '';
  return problem('no_engine', `--shard auto: no engine gave a shard; ${looked}.${where} Or pass --shard i/n.`);
}

/** The --shard option: `i/n`, or `auto` (shardFromEnvironment). */
export function shardOption(text: string, env: Env): ShardChoice {
  if (text.trim() === 'auto') {
    const found = shardFromEnvironment(env);
    return found.ok || found.message.startsWith('--shard auto') ? found : { ...found, message: `--shard auto: ${found.message}` };
  }
  const shard = parseShard(text);
  if (!shard) return problem('bad_option', `--shard must be i/n with 1 <= i <= n, or auto, not "${text}"`);
  return { ok: true, shard, engine: 'option', from: `--shard ${formatShard(shard)}` };
}
