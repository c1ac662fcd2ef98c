/**
 * NCRONTAB schedules as Azure Functions timer triggers use them: six fields
 * `{second} {minute} {hour} {day} {month} {day-of-week}` with `*`, lists, ranges, steps and names
 * (Sunday = 0 or 7), evaluated in UTC; a TimeSpan `hh:mm:ss` means "every interval". Day-of-month and
 * day-of-week must both match (NCrontab semantics). Pure.
 */
export interface Schedule { next(after: Date): Date; text: string }

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export class ScheduleError extends Error {}

function parseField(text: string, min: number, max: number, field: string, names?: string[], nameBase = 0): Set<number> {
  const values = new Set<number>();
  const value = (s: string): number => {
    const upper = s.toUpperCase();
    const named = names?.indexOf(upper) ?? -1;
    if (named >= 0) return named + nameBase;
    if (!/^\d+$/.test(s)) throw new ScheduleError(`${field}: "${s}" is not a number${names ? ' or name' : ''}`);
    return Number(s);
  };
  for (const part of text.split(',')) {
    const [rangeText, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step <= 0) throw new ScheduleError(`${field}: step "${stepText}" must be a positive integer`);
    let lo: number;
    let hi: number;
    if (rangeText === '*') { lo = min; hi = max; } else if (rangeText.includes('-')) {
      const [a, b] = rangeText.split('-') as [string, string];
      lo = value(a); hi = value(b);
    } else {
      lo = value(rangeText); hi = stepText === undefined ? lo : max;
    }
    if (lo < min || hi > max || lo > hi) throw new ScheduleError(`${field}: "${part}" is outside ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

export function parseSchedule(text: string): Schedule {
  const trimmed = text.trim();
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(trimmed);
  if (span) {
    const ms = (((Number(span[1] ?? 0) * 24 + Number(span[2])) * 60 + Number(span[3])) * 60 + Number(span[4])) * 1000;
    if (ms <= 0) throw new ScheduleError(`schedule "${text}": interval must be positive`);
    return { text, next: (after) => new Date(after.getTime() + ms) };
  }
  let fields = trimmed.split(/\s+/);
  if (fields.length === 5) fields = ['0', ...fields];
  if (fields.length !== 6) throw new ScheduleError(`schedule "${text}": expected 6 fields "{second} {minute} {hour} {day} {month} {day-of-week}"`);
  const [s, mi, h, d, mo, dw] = fields as [string, string, string, string, string, string];
  const seconds = parseField(s, 0, 59, 'second');
  const minutes = parseField(mi, 0, 59, 'minute');
  const hours = parseField(h, 0, 23, 'hour');
  const days = parseField(d, 1, 31, 'day');
  const months = parseField(mo, 1, 12, 'month', monthNames, 1);
  const weekdays = parseField(dw, 0, 7, 'day-of-week', dayNames, 0);
  if (weekdays.has(7)) weekdays.add(0);
  return {
    text,
    next(after: Date): Date {
      const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
      const limit = after.getTime() + 5 * 366 * 86400_000;
      while (t.getTime() < limit) {
        if (!months.has(t.getUTCMonth() + 1)) { t.setUTCMonth(t.getUTCMonth() + 1, 1); t.setUTCHours(0, 0, 0); continue; }
        if (!days.has(t.getUTCDate()) || !weekdays.has(t.getUTCDay())) { t.setUTCDate(t.getUTCDate() + 1); t.setUTCHours(0, 0, 0); continue; }
        if (!hours.has(t.getUTCHours())) { t.setUTCHours(t.getUTCHours() + 1, 0, 0); continue; }
        if (!minutes.has(t.getUTCMinutes())) { t.setUTCMinutes(t.getUTCMinutes() + 1, 0); continue; }
        if (!seconds.has(t.getUTCSeconds())) { t.setUTCSeconds(t.getUTCSeconds() + 1); continue; }
        return t;
      }
      throw new ScheduleError(`schedule "${text}" has no occurrence in the next five years`);
    },
  };
}
