/**
 * Time as a course states it: wall-clock times in an IANA time zone (`2025-10-14 23:59`,
 * Europe/Berlin), and durations (`15m`, `2d`, `1d12h`). Pure functions over Intl's time-zone
 * data, so that daylight saving time is the zone's own: a day is a calendar day in the zone
 * (23 or 25 hours when the clocks change), an hour or a minute is elapsed time.
 */

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A time as written: a wall-clock time (in the assignment's zone) or an instant (with `Z` or an offset). */
export type WrittenTime = { kind: 'wall'; wall: WallTime } | { kind: 'instant'; ms: number };

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** `2025-10-14 23:59`, `2025-10-14T23:59:00`, `2025-10-14` (midnight) or with `Z`/`+02:00`; undefined when malformed. */
export function parseWrittenTime(text: string): WrittenTime | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const wall: WallTime = { year: +m[1], month: +m[2], day: +m[3], hour: +(m[4] ?? 0), minute: +(m[5] ?? 0), second: +(m[6] ?? 0) };
  if (wall.month < 1 || wall.month > 12 || wall.day < 1 || wall.hour > 23 || wall.minute > 59 || wall.second > 59) return undefined;
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  if (new Date(asUtc).getUTCDate() !== wall.day) return undefined; // 2025-02-30
  if (!m[7]) return { kind: 'wall', wall };
  if (m[7].toUpperCase() === 'Z') return { kind: 'instant', ms: asUtc };
  const off = /^([+-])(\d{2}):?(\d{2})$/.exec(m[7])!;
  const minutes = (off[1] === '-' ? -1 : 1) * (+off[2] * 60 + +off[3]);
  return { kind: 'instant', ms: asUtc - minutes * 60000 };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the IANA zone (`Europe/Berlin`, `America/New_York`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time and the zone's offset from UTC (minutes) at an instant. */
export function wallAt(ms: number, timeZone: string): WallTime & { offset: number } {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const off = /GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?/.exec(parts.timeZoneName ?? 'GMT')!;
  const offset = off[1] ? (off[1] === '-' ? -1 : 1) * (+off[2] * 60 + +(off[3] ?? 0)) : 0;
  return { year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour % 24, minute: +parts.minute, second: +parts.second, offset };
}

const sameWall = (a: WallTime, b: WallTime) => a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;

/**
 * The instant a wall-clock time names in a zone. A time the clocks skip (02:30 when they go
 * forward) is `gap`, with the instant it would be on the offset before the change (03:30 on the
 * new one); a time that happens twice (when they go back) is the first, `ambiguous`.
 */
export function wallToInstant(wall: WallTime, timeZone: string): { ms: number; gap: boolean; ambiguous: boolean } {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const offsets = [...new Set([wallAt(asUtc - 86400000, timeZone).offset, wallAt(asUtc, timeZone).offset, wallAt(asUtc + 86400000, timeZone).offset])];
  const fits = offsets.map((o) => asUtc - o * 60000).filter((ms) => sameWall(wallAt(ms, timeZone), wall));
  if (fits.length) return { ms: Math.min(...fits), gap: false, ambiguous: new Set(fits).size > 1 };
  return { ms: asUtc - wallAt(asUtc - 86400000, timeZone).offset * 60000, gap: true, ambiguous: false };
}

/** A written time as an instant: a wall-clock time is read in `timeZone`. */
export function instantOf(t: WrittenTime, timeZone: string): number {
  return t.kind === 'instant' ? t.ms : wallToInstant(t.wall, timeZone).ms;
}

export interface Duration {
  days: number;
  hours: number;
  minutes: number;
}

export const NO_TIME: Duration = { days: 0, hours: 0, minutes: 0 };

/** `15m`, `2h`, `7d`, `1d12h`, `0`; undefined when malformed. */
export function parseDuration(text: string): Duration | undefined {
  const t = text.trim();
  if (t === '0') return { ...NO_TIME };
  const m = /^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$/i.exec(t);
  if (!m || (!m[1] && !m[2] && !m[3])) return undefined;
  return { days: +(m[1] ?? 0), hours: +(m[2] ?? 0), minutes: +(m[3] ?? 0) };
}

export function formatDuration(d: Duration): string {
  const parts = [d.days ? `${d.days}d` : '', d.hours ? `${d.hours}h` : '', d.minutes ? `${d.minutes}m` : ''].filter(Boolean);
  return parts.join('') || '0';
}

/** The wall-clock time `days` calendar days after `ms`'s, in the zone (24 h apart, but 23 or 25 across a clock change). */
export function addDays(ms: number, days: number, timeZone: string): number {
  const w = wallAt(ms, timeZone);
  const moved = new Date(Date.UTC(w.year, w.month - 1, w.day + days, w.hour, w.minute, w.second));
  return wallToInstant({ year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate(), hour: w.hour, minute: w.minute, second: w.second }, timeZone).ms + (ms % 1000);
}

/** `ms` plus a duration: its days on the calendar of the zone, then its hours and minutes elapsed. */
export function addDuration(ms: number, d: Duration, timeZone: string): number {
  return addDays(ms, d.days, timeZone) + (d.hours * 60 + d.minutes) * 60000;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2025-10-14 23:59 UTC+02:00`, in the zone (seconds shown when there are any). */
export function formatInZone(ms: number, timeZone: string): string {
  const w = wallAt(ms, timeZone);
  const sign = w.offset < 0 ? '-' : '+';
  const off = Math.abs(w.offset);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}${w.second ? `:${pad(w.second)}` : ''} UTC${sign}${pad(Math.floor(off / 60))}:${pad(off % 60)}`;
}

/** An elapsed time for people: `3 d 2 h 5 min`, `40 s`. */
export function formatElapsed(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [d ? `${d} d` : '', h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean).join(' ') || '0 min';
}

/** ISO 8601 with the zone's offset: `2025-10-26T10:00:00+01:00` (or `Z` in UTC). */
export function isoInZone(ms: number, timeZone = 'UTC'): string {
  const w = wallAt(ms, timeZone);
  const off = Math.abs(w.offset);
  const zone = w.offset === 0 ? 'Z' : `${w.offset < 0 ? '-' : '+'}${pad(Math.floor(off / 60))}:${pad(off % 60)}`;
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${zone}`;
}
