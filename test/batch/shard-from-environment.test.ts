/**
 * `--shard auto`: the shard from the engine that started the process. The Slurm environments
 * below are what Slurm 22.05.8 (Debian's slurm-wlm) set in the tasks of `sbatch --array=SPEC`
 * on the one-node cluster of `npm run e2e:slurm`: SLURM_ARRAY_TASK_STEP is the `:S` of the
 * spec and 1 for a list, MIN/MAX the lowest and highest id, COUNT the number of tasks.
 */
import { ShardChoice, parseShard, shardFromEnvironment, shardOption } from '../../graders/batch/shard';

/** A task of a Slurm array, as Slurm sets it. */
function slurmTask(id: number, min: number, max: number, count: number, step: number): Record<string, string> {
  return {
    SLURM_JOB_ID: String(100 + id),
    SLURM_ARRAY_JOB_ID: '100',
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_MAX: String(max),
    SLURM_ARRAY_TASK_COUNT: String(count),
    SLURM_ARRAY_TASK_STEP: String(step),
  };
}

const shardOf = (choice: ShardChoice) => (choice.ok ? `${choice.shard.index}/${choice.shard.count}` : `error ${choice.code}: ${choice.message}`);
const problemOf = (choice: ShardChoice) => {
  if (choice.ok) throw new Error(`expected a problem, got shard ${shardOf(choice)}`);
  return choice;
};

describe('a Slurm job array', () => {
  test('--array=1-3: task i is shard i/3', () => {
    expect([1, 2, 3].map((id) => shardOf(shardFromEnvironment(slurmTask(id, 1, 3, 3, 1))))).toEqual(['1/3', '2/3', '3/3']);
  });

  test('--array=0-2 (0-based): task 0 is shard 1/3', () => {
    expect([0, 1, 2].map((id) => shardOf(shardFromEnvironment(slurmTask(id, 0, 2, 3, 1))))).toEqual(['1/3', '2/3', '3/3']);
  });

  test('--array=1-7:2 and 0-10:5 (stepped): the tasks are numbered by their position', () => {
    expect([1, 3, 5, 7].map((id) => shardOf(shardFromEnvironment(slurmTask(id, 1, 7, 4, 2))))).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect([0, 5, 10].map((id) => shardOf(shardFromEnvironment(slurmTask(id, 0, 10, 3, 5))))).toEqual(['1/3', '2/3', '3/3']);
  });

  test('says where the shard came from', () => {
    const found = shardFromEnvironment(slurmTask(5, 1, 7, 4, 2));
    expect(found).toMatchObject({ ok: true, engine: 'slurm', from: 'Slurm job array task 5 of 1-7:2' });
  });

  test('a one-task array is shard 1/1', () => {
    expect(shardOf(shardFromEnvironment(slurmTask(2, 2, 2, 1, 1)))).toBe('1/1');
  });

  test.each([
    ['1,3,10', [1, 3, 10], 1, 10, 1],
    ['1,4,7 (evenly spaced, but Slurm reports step 1 for a list)', [1, 4, 7], 1, 7, 1],
    ['5-6,9', [5, 6, 9], 5, 9, 1],
    ['1-7:2,20', [1, 3, 5, 7, 20], 1, 20, 2],
  ])('refuses an array whose ids are not evenly spaced: --array=%s', (_spec, ids, min, max, step) => {
    for (const id of ids) {
      const p = problemOf(shardFromEnvironment(slurmTask(id, min, max, ids.length, step)));
      expect(p.code).toBe('uneven_array');
      expect(p.variable).toBe('SLURM_ARRAY_TASK_ID');
      expect(p.message).toContain(`SLURM_ARRAY_TASK_MIN=${min}, _MAX=${max}, _COUNT=${ids.length}, _STEP=${step}`);
      expect(p.message).toMatch(/--array=1-N.*--shard i\/n/);
    }
  });

  test.each(['SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX', 'SLURM_ARRAY_TASK_COUNT'])('names %s when it is missing', (name) => {
    const env = slurmTask(2, 1, 3, 3, 1);
    delete env[name];
    const p = problemOf(shardFromEnvironment(env));
    expect(p).toMatchObject({ code: 'missing_variable', variable: name });
    expect(p.message).toMatch(new RegExp(`^${name} is not set: Slurm sets it`));
  });

  test('without SLURM_ARRAY_TASK_STEP (older Slurm), a contiguous array still works', () => {
    const env = slurmTask(3, 1, 3, 3, 1);
    delete env.SLURM_ARRAY_TASK_STEP;
    expect(shardOf(shardFromEnvironment(env))).toBe('3/3');
  });

  test('names a variable that is not a whole number, with its value', () => {
    const p = problemOf(shardFromEnvironment({ ...slurmTask(2, 1, 3, 3, 1), SLURM_ARRAY_TASK_COUNT: 'three' }));
    expect(p).toMatchObject({ code: 'bad_variable', variable: 'SLURM_ARRAY_TASK_COUNT' });
    expect(p.message).toContain('SLURM_ARRAY_TASK_COUNT="three" is not a whole number');
  });

  test('refuses a task id outside the array', () => {
    const p = problemOf(shardFromEnvironment(slurmTask(9, 1, 3, 3, 1)));
    expect(p).toMatchObject({ code: 'bad_variable', variable: 'SLURM_ARRAY_TASK_ID' });
    expect(p.message).toContain('outside the array');
  });

  test('GRADECHECK_SHARD_COUNT must agree with the array: a task resubmitted alone does not grade the class as 1/1', () => {
    expect(shardOf(shardFromEnvironment({ ...slurmTask(2, 1, 3, 3, 1), GRADECHECK_SHARD_COUNT: '3' }))).toBe('2/3');
    const p = problemOf(shardFromEnvironment({ ...slurmTask(2, 2, 2, 1, 1), GRADECHECK_SHARD_COUNT: '3' }));
    expect(p).toMatchObject({ code: 'count_mismatch', variable: 'GRADECHECK_SHARD_COUNT' });
    expect(p.message).toMatch(/GRADECHECK_SHARD_COUNT=3, but Slurm job array task 2 of 2-2 makes 1 shard: .*scontrol requeue/);
  });

  test('a Slurm job that is not an array is told to use --array', () => {
    const p = problemOf(shardFromEnvironment({ SLURM_JOB_ID: '77' }));
    expect(p.code).toBe('no_engine');
    expect(p.message).toContain('This is a Slurm job (SLURM_JOB_ID=77) but not a job array: submit it with sbatch --array=1-N.');
  });
});

describe('a Kubernetes Indexed Job', () => {
  test('JOB_COMPLETION_INDEX is 0-based: pod k of n is shard k+1/n', () => {
    expect([0, 1, 2, 3].map((k) => shardOf(shardFromEnvironment({ JOB_COMPLETION_INDEX: String(k), GRADECHECK_SHARD_COUNT: '4' })))).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '0', GRADECHECK_SHARD_COUNT: '4' })).toMatchObject({ engine: 'kubernetes', from: 'Kubernetes Indexed Job pod 0 of 0-3' });
  });

  test('without GRADECHECK_SHARD_COUNT, says that Kubernetes does not give the count and where to take it', () => {
    const p = problemOf(shardFromEnvironment({ JOB_COMPLETION_INDEX: '1' }));
    expect(p).toMatchObject({ code: 'missing_variable', variable: 'GRADECHECK_SHARD_COUNT' });
    expect(p.message).toContain("spec.completions");
  });

  test('an index at or above the count names JOB_COMPLETION_INDEX', () => {
    const p = problemOf(shardFromEnvironment({ JOB_COMPLETION_INDEX: '3', GRADECHECK_SHARD_COUNT: '3' }));
    expect(p).toMatchObject({ code: 'bad_variable', variable: 'JOB_COMPLETION_INDEX' });
    expect(p.message).toContain('JOB_COMPLETION_INDEX=3 is not below GRADECHECK_SHARD_COUNT=3');
  });

  test('a count that is not a number names GRADECHECK_SHARD_COUNT', () => {
    expect(problemOf(shardFromEnvironment({ JOB_COMPLETION_INDEX: '0', GRADECHECK_SHARD_COUNT: '-2' }))).toMatchObject({ code: 'bad_variable', variable: 'GRADECHECK_SHARD_COUNT' });
    expect(problemOf(shardFromEnvironment({ JOB_COMPLETION_INDEX: '0', GRADECHECK_SHARD_COUNT: '0' }))).toMatchObject({ code: 'bad_variable', variable: 'GRADECHECK_SHARD_COUNT' });
  });
});

describe('GRADECHECK_SHARD (a GitHub Actions matrix, or any scheduler)', () => {
  test('i/n is taken as given, and wins over an engine', () => {
    expect(shardFromEnvironment({ GRADECHECK_SHARD: '2/4' })).toMatchObject({ ok: true, shard: { index: 2, count: 4 }, engine: 'explicit' });
    expect(shardOf(shardFromEnvironment({ ...slurmTask(1, 1, 3, 3, 1), GRADECHECK_SHARD: '4/4' }))).toBe('4/4');
  });

  test.each(['0/4', '5/4', '2', 'two/four', ''])('refuses GRADECHECK_SHARD=%j, naming it', (value) => {
    const p = problemOf(shardFromEnvironment({ GRADECHECK_SHARD: value }));
    expect(p).toMatchObject({ code: 'bad_variable', variable: 'GRADECHECK_SHARD' });
    expect(p.message).toContain(`GRADECHECK_SHARD=${JSON.stringify(value)} must be i/n`);
  });

  test('on GitHub Actions without it, says how to pass the matrix', () => {
    const p = problemOf(shardFromEnvironment({ GITHUB_ACTIONS: 'true', CI: 'true' }));
    expect(p.code).toBe('no_engine');
    expect(p.message).toContain('--shard ${{ matrix.shard }}/${{ strategy.job-total }}');
  });
});

describe('no engine, or two', () => {
  test('outside any engine, names every variable it looked for', () => {
    const p = problemOf(shardFromEnvironment({ PATH: '/usr/bin', HOME: '/root' }));
    expect(p.code).toBe('no_engine');
    for (const name of ['GRADECHECK_SHARD', 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'JOB_COMPLETION_INDEX', 'GRADECHECK_SHARD_COUNT', '--shard i/n']) expect(p.message).toContain(name);
  });

  test('a count without an index is reported, not ignored', () => {
    expect(problemOf(shardFromEnvironment({ GRADECHECK_SHARD_COUNT: '3' }))).toMatchObject({ code: 'missing_variable', variable: 'JOB_COMPLETION_INDEX' });
  });

  test('Slurm and Kubernetes variables at once are ambiguous', () => {
    expect(problemOf(shardFromEnvironment({ ...slurmTask(1, 1, 3, 3, 1), JOB_COMPLETION_INDEX: '0', GRADECHECK_SHARD_COUNT: '3' })).code).toBe('ambiguous');
  });
});

describe('the --shard option', () => {
  test('i/n is the shard; auto asks the environment', () => {
    expect(shardOption('2/3', {})).toMatchObject({ ok: true, shard: parseShard('2/3'), engine: 'option' });
    expect(shardOf(shardOption('auto', slurmTask(0, 0, 2, 3, 1)))).toBe('1/3');
  });

  test("auto's problems say they come from --shard auto", () => {
    expect(problemOf(shardOption('auto', { JOB_COMPLETION_INDEX: '0' })).message).toMatch(/^--shard auto: GRADECHECK_SHARD_COUNT is not set/);
    expect(problemOf(shardOption('auto', {})).message).toMatch(/^--shard auto: no engine gave a shard/);
  });

  test('anything else says what is accepted', () => {
    expect(problemOf(shardOption('3/2', {}))).toMatchObject({ code: 'bad_option', message: '--shard must be i/n with 1 <= i <= n, or auto, not "3/2"' });
  });
});
