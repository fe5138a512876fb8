/**
 * The deadline policy's arithmetic, as pure functions: wall-clock times in IANA zones across
 * daylight-saving changes, durations, "per day / per hour started", the grace period, the cap,
 * the cutoff and extensions.
 */
import { CoursePolicy, PolicyFile, finalScore, periodsStarted, resolvePolicy, standing } from '../../graders/policy/policy';
import { addDays, addDuration, formatInZone, instantOf, parseDuration, parseWrittenTime, wallToInstant } from '../../graders/policy/time';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const at = (text: string, zone = BERLIN) => instantOf(parseWrittenTime(text)!, zone);
const HOUR = 3600000;

function policyOf(file: PolicyFile): CoursePolicy {
  const r = resolvePolicy(file);
  expect(r.issues).toEqual([]);
  return r.policy!;
}

describe('time zones and durations', () => {
  test('reads a wall-clock time in the zone, and an instant with its offset as given', () => {
    expect(new Date(at('2025-07-01 12:00')).toISOString()).toBe('2025-07-01T10:00:00.000Z'); // CEST, UTC+2
    expect(new Date(at('2025-01-15T12:00')).toISOString()).toBe('2025-01-15T11:00:00.000Z'); // CET, UTC+1
    expect(new Date(at('2025-01-15T12:00:00-05:00')).toISOString()).toBe('2025-01-15T17:00:00.000Z');
    expect(new Date(at('2025-01-15T12:00Z')).toISOString()).toBe('2025-01-15T12:00:00.000Z');
    expect(parseWrittenTime('2025-02-30 12:00')).toBeUndefined();
    expect(parseWrittenTime('tomorrow')).toBeUndefined();
  });

  test('a time the clocks skip is a gap; a time that happens twice is the first, ambiguous', () => {
    expect(wallToInstant({ year: 2025, month: 3, day: 30, hour: 2, minute: 30, second: 0 }, BERLIN).gap).toBe(true);
    const twice = wallToInstant({ year: 2025, month: 10, day: 26, hour: 2, minute: 30, second: 0 }, BERLIN);
    expect(twice.ambiguous).toBe(true);
    expect(formatInZone(twice.ms, BERLIN)).toBe('2025-10-26 02:30 UTC+02:00');
  });

  test('a day is a calendar day in the zone: 25 hours when the clocks go back, 23 when they go forward', () => {
    const autumn = at('2025-10-25 23:59');
    expect((addDays(autumn, 1, BERLIN) - autumn) / HOUR).toBe(25);
    expect(formatInZone(addDays(autumn, 1, BERLIN), BERLIN)).toBe('2025-10-26 23:59 UTC+01:00');
    const spring = at('2025-03-08 12:00', NEW_YORK);
    expect((addDays(spring, 1, NEW_YORK) - spring) / HOUR).toBe(23);
    expect((addDays(at('2025-07-01 12:00'), 1, BERLIN) - at('2025-07-01 12:00')) / HOUR).toBe(24);
  });

  test('durations: days on the calendar, hours and minutes elapsed', () => {
    expect(parseDuration('1d12h30m')).toEqual({ days: 1, hours: 12, minutes: 30 });
    expect(parseDuration('15m')).toEqual({ days: 0, hours: 0, minutes: 15 });
    expect(parseDuration('15')).toBeUndefined();
    expect(parseDuration('a week')).toBeUndefined();
    const due = at('2025-10-25 23:59');
    expect((addDuration(due, parseDuration('1d2h')!, BERLIN) - due) / HOUR).toBe(27);
  });
});

describe('periods started', () => {
  const due = at('2025-10-25 23:59');
  test('per hour started: any part of an hour counts as one', () => {
    expect(periodsStarted(due, due, 'hour', BERLIN)).toBe(0);
    expect(periodsStarted(due, due + 1000, 'hour', BERLIN)).toBe(1);
    expect(periodsStarted(due, due + HOUR, 'hour', BERLIN)).toBe(1);
    expect(periodsStarted(due, due + HOUR + 1, 'hour', BERLIN)).toBe(2);
  });

  test('per day started, across the clock change: the next day ends at 23:59 local, 25 hours later', () => {
    expect(periodsStarted(due, due + 24.5 * HOUR, 'day', BERLIN)).toBe(1); // 2025-10-26 23:29 local: still day 1
    expect(periodsStarted(due, due + 25 * HOUR, 'day', BERLIN)).toBe(1);
    expect(periodsStarted(due, due + 25 * HOUR + 60000, 'day', BERLIN)).toBe(2);
    expect(periodsStarted(due, at('2025-10-28 23:59'), 'day', BERLIN)).toBe(3);
    expect(periodsStarted(due, at('2025-10-29 00:00'), 'day', BERLIN)).toBe(4);
  });
});

describe('standing and final score', () => {
  const policy = policyOf({
    due: '2025-10-25 23:59',
    time_zone: BERLIN,
    grace: '15m',
    late_penalty: { percent: 10, per: 'day', max_percent: 50, of: 'score' },
    cutoff: '7d',
    extensions: [
      { student: 'alice', due: '2025-10-28 23:59' },
      { student: 'bob', extra: '2d' },
    ],
  });
  const due = policy.due;

  test('on time, within grace, 1 day and 3 days late, capped, past the cutoff, unknown time', () => {
    expect(standing(policy, 'x', due - HOUR)).toMatchObject({ status: 'on_time', penaltyPercent: 0 });
    expect(standing(policy, 'x', due)).toMatchObject({ status: 'on_time', penaltyPercent: 0 });
    expect(standing(policy, 'x', due + 10 * 60000)).toMatchObject({ status: 'grace', penaltyPercent: 0 });
    expect(standing(policy, 'x', due + 16 * 60000)).toMatchObject({ status: 'late', periods: 1, penaltyPercent: 10 });
    expect(standing(policy, 'x', at('2025-10-26 23:59'))).toMatchObject({ status: 'late', periods: 1, penaltyPercent: 10 });
    expect(standing(policy, 'x', at('2025-10-28 12:00'))).toMatchObject({ status: 'late', periods: 3, penaltyPercent: 30 });
    expect(standing(policy, 'x', at('2025-10-31 12:00'))).toMatchObject({ status: 'late', periods: 6, penaltyPercent: 50 });
    expect(standing(policy, 'x', at('2025-11-01 23:59'))).toMatchObject({ status: 'late', periods: 7, penaltyPercent: 50 });
    expect(standing(policy, 'x', at('2025-11-02 00:00'))).toMatchObject({ status: 'past_cutoff', penaltyPercent: 100 });
    expect(standing(policy, 'x', undefined)).toMatchObject({ status: 'no_time', penaltyPercent: 0 });
  });

  test('an extension moves the due date and the cutoff with it', () => {
    expect(standing(policy, 'alice', at('2025-10-28 20:00'))).toMatchObject({ status: 'on_time', extended: true });
    expect(standing(policy, 'alice', at('2025-10-29 10:00'))).toMatchObject({ status: 'late', periods: 1, penaltyPercent: 10 });
    expect(standing(policy, 'alice', at('2025-11-04 23:00'))).toMatchObject({ status: 'late' });
    expect(standing(policy, 'bob', at('2025-10-27 23:59'))).toMatchObject({ status: 'on_time', deadline: at('2025-10-27 23:59') });
  });

  test('the penalty takes a share of the score, or of the maximum with a floor of 0; past the cutoff is 0', () => {
    expect(finalScore(20, 31, { status: 'late', penaltyPercent: 30 })).toBe(14);
    expect(finalScore(20, 31, { status: 'late', penaltyPercent: 30 }, 'max')).toBe(10.7);
    expect(finalScore(5, 31, { status: 'late', penaltyPercent: 30 }, 'max')).toBe(0);
    expect(finalScore(31, 31, { status: 'past_cutoff', penaltyPercent: 100 })).toBe(0);
    expect(finalScore(31, 31, { status: 'grace', penaltyPercent: 0 })).toBe(31);
  });

  test('per hour started', () => {
    const hourly = policyOf({ due: '2025-03-30 01:00', time_zone: BERLIN, late_penalty: { percent: 5, per: 'hour', of: 'score' } });
    // The clocks go from 02:00 to 03:00 that night: 03:30 local is 1.5 elapsed hours late.
    expect(standing(hourly, 'x', at('2025-03-30 03:30'))).toMatchObject({ periods: 2, penaltyPercent: 10 });
  });
});

describe('the policy fields, checked', () => {
  const problems = (file: PolicyFile) => resolvePolicy(file).issues.map((i) => `${i.path.join('.')}: ${i.message}`);

  test('refuses what cannot be applied, each problem at its field', () => {
    expect(problems({ due: '2025-10-25 23:59' })).toEqual([expect.stringMatching(/^due: a due date needs its time zone/)]);
    expect(problems({ due: '2025-10-25 23:59', time_zone: 'Europe/Berln' })).toEqual([expect.stringMatching(/^time_zone: unknown time zone "Europe\/Berln"/)]);
    expect(problems({ due: '2025-03-30 02:30', time_zone: BERLIN })).toEqual([expect.stringMatching(/^due: .*does not exist in Europe\/Berlin/)]);
    expect(problems({ due: '2025-10-26 02:30', time_zone: BERLIN })).toEqual([expect.stringMatching(/^due: .*happens twice.*2025-10-26T02:30\+02:00/)]);
    expect(problems({ late_penalty: { percent: 10, per: 'day', of: 'score' } })).toEqual([expect.stringMatching(/^late_penalty: late_penalty needs a due date/)]);
    expect(problems({ due: '2025-10-25 23:59', time_zone: BERLIN, grace: '2 weeks', cutoff: '1h' })).toEqual([expect.stringMatching(/^grace: "2 weeks" is not a duration/)]);
    expect(problems({ due: '2025-10-25 23:59', time_zone: BERLIN, grace: '2h', cutoff: '1h' })).toEqual([expect.stringMatching(/^cutoff: the cutoff \(1h\) must come after the grace period/)]);
    expect(
      problems({ due: '2025-10-25 23:59', time_zone: BERLIN, extensions: [{ student: 'a', due: '2025-10-20 12:00' }, { student: 'a', extra: '1d' }, { student: 'b' }] }),
    ).toEqual([expect.stringMatching(/^extensions\.0\.due: .*before the assignment's due date/), expect.stringMatching(/^extensions\.1\.student: "a" has two extensions/), expect.stringMatching(/^extensions\.2: an extension gives either due/)]);
  });

  test('the same policy written in another order hashes the same; another policy does not', () => {
    const a = policyOf({ due: '2025-10-25 23:59', time_zone: BERLIN, grace: '15m' });
    const b = policyOf({ grace: '15m', time_zone: BERLIN, due: '2025-10-25 23:59' });
    const c = policyOf({ due: '2025-10-25 23:59', time_zone: BERLIN, grace: '30m' });
    expect(a.sha256).toBe(b.sha256);
    expect(a.sha256).not.toBe(c.sha256);
  });
});
