//! SLA settings rules shared by the Settings editor (inline messages) and the
//! mock backend (which rejects like the Rust core, `sla/calendar.rs`,
//! `sla/policy.rs`, `sla/settings.rs`). Each problem carries a *path* naming
//! the field it belongs to, a short inline *message*, and the exact *server*
//! text the core would send (`{code, message}`).
//!
//! Paths: `calendar.<i>.name`, `calendar.<i>.timezone`, `calendar.<i>.hours`,
//! `calendar.<i>.day.<day>` (overlaps), `calendar.<i>.hour.<j>` (one interval),
//! `calendar.<i>.holiday.<j>`, `policy.<i>.<field>`.

import type { CalendarSettings, Day, SlaPolicy, SlaSettings } from '../bindings';

export const DAYS: readonly Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const DAY_LABEL: Record<Day, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};
export const DAY_SHORT: Record<Day, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

/** Longest target a policy may set: one year of minutes (`MAX_TARGET_MINUTES`). */
export const MAX_TARGET_MINUTES = 366 * 24 * 60;
export const MAX_OPENING_INTERVALS = 7 * 24;
export const MAX_HOLIDAYS = 1000;

export type Problem = {
  path: string;
  /** Short text shown next to the field. */
  message: string;
  /** What the server says, verbatim (`ValidationError`'s Display). */
  server: string;
  code: 'invalid_value' | 'empty_field' | 'too_long';
};

/** Minutes since midnight of `HH:MM` (`00:00`..`24:00`), or `null`. */
export function parseClock(s: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min >= 60 || h > 24 || (h === 24 && min !== 0)) return null;
  return h * 60 + min;
}

export function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

const tzCache = new Map<string, boolean>();
/** Whether `tz` is an IANA timezone this platform knows (aliases included). */
export function isKnownTimezone(tz: string): boolean {
  if (tz.trim() === '' || tz !== tz.trim()) return false;
  let ok = tzCache.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    tzCache.set(tz, ok);
  }
  return ok;
}

/** Every canonical IANA timezone, for pickers. */
export function timezoneNames(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const names = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  return names.includes('UTC') ? names : ['UTC', ...names];
}

const q = (s: string) => JSON.stringify(s);

/** Problems of one calendar (as `BusinessCalendar::new` rejects them). */
export function calendarProblems(cal: CalendarSettings, prefix: string): Problem[] {
  if (cal.kind === 'alwaysOpen') return [];
  const out: Problem[] = [];
  const invalid = (path: string, field: string, reason: string, message = reason) =>
    out.push({ path, message, server: `invalid ${field}: ${reason}`, code: 'invalid_value' });
  if (!isKnownTimezone(cal.timezone)) {
    const tz = cal.timezone.slice(0, 60);
    invalid(
      `${prefix}.timezone`,
      'timezone',
      `unknown timezone ${q(tz)}; use an IANA name such as Europe/Paris`,
      cal.timezone.trim() === '' ? 'Choose a timezone.' : `Unknown timezone "${tz}". Use an IANA name such as Europe/Paris.`,
    );
  }
  if (cal.hours.length === 0) {
    invalid(
      `${prefix}.hours`,
      'openingHours',
      'a business-hours calendar needs at least one opening interval',
      'Add at least one opening interval, or make the calendar 24/7.',
    );
  }
  if (cal.hours.length > MAX_OPENING_INTERVALS) {
    out.push({
      path: `${prefix}.hours`,
      message: `At most ${MAX_OPENING_INTERVALS} opening intervals.`,
      server: `openingHours is too long: ${cal.hours.length} characters, at most ${MAX_OPENING_INTERVALS} allowed`,
      code: 'too_long',
    });
  }
  if (cal.holidays.length > MAX_HOLIDAYS) {
    out.push({
      path: `${prefix}.holidays`,
      message: `At most ${MAX_HOLIDAYS} holidays.`,
      server: `holidays is too long: ${cal.holidays.length} characters, at most ${MAX_HOLIDAYS} allowed`,
      code: 'too_long',
    });
  }
  const byDay = new Map<Day, { s: number; e: number }[]>();
  let malformed = false;
  cal.hours.forEach((h, j) => {
    const s = parseClock(h.start);
    const e = parseClock(h.end);
    for (const [v, raw] of [
      [s, h.start],
      [e, h.end],
    ] as const) {
      if (v === null) {
        malformed = true;
        invalid(
          `${prefix}.hour.${j}`,
          'openingHours',
          `${q(raw.slice(0, 20))} is not a time of day; use HH:MM between 00:00 and 24:00`,
          `"${raw}" is not a time; use HH:MM between 00:00 and 24:00.`,
        );
      }
    }
    if (s === null || e === null) return;
    if (e <= s) {
      const text = `${DAY_LABEL[h.day]} ${formatClock(s)}–${formatClock(e)} ends before it starts`;
      invalid(`${prefix}.hour.${j}`, 'openingHours', `${text}; an interval must end after its start`, `${text}.`);
      return;
    }
    const list = byDay.get(h.day) ?? [];
    list.push({ s, e });
    byDay.set(h.day, list);
  });
  if (!malformed) {
    for (const day of DAYS) {
      const list = (byDay.get(day) ?? []).sort((a, b) => a.s - b.s || a.e - b.e);
      for (let k = 1; k < list.length; k++) {
        const [a, b] = [list[k - 1], list[k]];
        if (b.s < a.e) {
          const text = `${DAY_LABEL[day]} ${formatClock(a.s)}–${formatClock(a.e)} overlaps ${formatClock(b.s)}–${formatClock(b.e)}`;
          invalid(`${prefix}.day.${day}`, 'openingHours', `${text}; intervals on a day may touch but not overlap`, `${text}.`);
          break;
        }
      }
    }
  }
  cal.holidays.forEach((h, j) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(h.date) || Number.isNaN(Date.parse(`${h.date}T00:00:00Z`))) {
      invalid(`${prefix}.holiday.${j}`, 'holiday date', `${q(h.date)} is not a date`, 'Enter a date.');
    }
  });
  return out;
}

function policyProblems(p: SlaPolicy, i: number, calendarIds: Set<string>): Problem[] {
  const out: Problem[] = [];
  const pre = `policy.${i}`;
  const invalid = (field: string, path: string, reason: string, message: string) =>
    out.push({ path: `${pre}.${path}`, message, server: `invalid ${field}: ${reason}`, code: 'invalid_value' });
  if (p.id.trim() === '') out.push({ path: `${pre}.id`, message: 'Missing id.', server: 'policy id must not be empty', code: 'empty_field' });
  if (p.name.trim() === '')
    out.push({ path: `${pre}.name`, message: 'Give the policy a name.', server: 'policy name must not be empty', code: 'empty_field' });
  if (p.priorities.length === 0)
    invalid('priorities', 'priorities', `policy ${q(p.name)} must match at least one priority`, 'Pick at least one priority.');
  for (const [field, path, label, minutes] of [
    ['firstResponseMinutes', 'firstResponse', 'First response', p.firstResponseMinutes],
    ['resolutionMinutes', 'resolution', 'Resolution', p.resolutionMinutes],
  ] as const) {
    if (!Number.isInteger(minutes) || minutes <= 0 || minutes > MAX_TARGET_MINUTES) {
      invalid(
        field,
        path,
        `policy ${q(p.name)}: a target must be between 1 and ${MAX_TARGET_MINUTES} minutes, not ${minutes}`,
        minutes > MAX_TARGET_MINUTES
          ? `${label} target must be at most ${MAX_TARGET_MINUTES / 60} h.`
          : `${label} target must be greater than 0.`,
      );
    }
  }
  if (!Number.isInteger(p.atRiskPercent) || p.atRiskPercent < 0 || p.atRiskPercent > 100)
    invalid('atRiskPercent', 'atRiskPercent', `must be between 0 and 100, not ${p.atRiskPercent}`, 'Use a percent from 0 to 100.');
  if (!Number.isInteger(p.atRiskFloorMinutes) || p.atRiskFloorMinutes < 0 || p.atRiskFloorMinutes > MAX_TARGET_MINUTES)
    invalid('atRiskFloorMinutes', 'atRiskFloor', `must be at most ${MAX_TARGET_MINUTES} minutes`, 'Use whole minutes, 0 or more.');
  if (p.calendar.kind === 'shared' && !calendarIds.has(p.calendar.id))
    invalid(
      'calendar',
      'calendar',
      `policy ${q(p.name)} uses calendar ${q(p.calendar.id)}, which does not exist`,
      'This calendar no longer exists; choose another.',
    );
  if (p.calendar.kind === 'embedded') out.push(...calendarProblems(p.calendar.calendar, `${pre}.embedded`));
  return out;
}

/** Every problem in the settings, in the order the server checks them. */
export function settingsProblems(s: SlaSettings): Problem[] {
  const out: Problem[] = [];
  s.calendars.forEach((c, i) => out.push(...calendarProblems(c.calendar, `calendar.${i}`)));
  const seen = new Set<string>();
  s.calendars.forEach((c, i) => {
    if (c.id.trim() === '')
      out.push({ path: `calendar.${i}.id`, message: 'Missing id.', server: 'calendar id must not be empty', code: 'empty_field' });
    if (c.name.trim() === '')
      out.push({ path: `calendar.${i}.name`, message: 'Give the calendar a name.', server: 'calendar name must not be empty', code: 'empty_field' });
    if (seen.has(c.id))
      out.push({
        path: `calendar.${i}.id`,
        message: 'Two calendars share this id.',
        server: `invalid calendars: two calendars share the id ${q(c.id)}`,
        code: 'invalid_value',
      });
    seen.add(c.id);
  });
  if (s.calendars.length > 50 || s.policies.policies.length > 100)
    out.push({
      path: 'settings',
      message: 'At most 50 calendars and 100 policies.',
      server: 'invalid sla settings: at most 50 calendars and 100 policies',
      code: 'invalid_value',
    });
  const ids = new Set(s.calendars.map((c) => c.id));
  const policyIds = new Set<string>();
  s.policies.policies.forEach((p, i) => {
    out.push(...policyProblems(p, i, ids));
    if (policyIds.has(p.id))
      out.push({
        path: `policy.${i}.id`,
        message: 'Two policies share this id.',
        server: `invalid policy id: two policies have the id ${q(p.id)}`,
        code: 'invalid_value',
      });
    policyIds.add(p.id);
  });
  if (!DAYS.includes(s.weekStart))
    out.push({
      path: 'weekStart',
      message: 'Choose a day.',
      server: `invalid weekStart ${q(String(s.weekStart))}; expected one of: ${DAYS.join(', ')}`,
      code: 'invalid_value',
    });
  return out;
}

/** The defaults of DESIGN §3 for a workspace in `tz` (as `SlaSettings::defaults`). */
export function defaultSlaSettings(tz: string): SlaSettings {
  const always = { kind: 'embedded', calendar: { kind: 'alwaysOpen' } } as const;
  const shared = { kind: 'shared', id: 'business-hours' } as const;
  const policy = (id: string, name: string, fr: number, res: number, calendar: SlaPolicy['calendar']): SlaPolicy => ({
    id,
    name,
    priorities: [id as SlaPolicy['priorities'][number]],
    categoryId: null,
    firstResponseMinutes: fr,
    resolutionMinutes: res,
    calendar,
    atRiskPercent: 25,
    atRiskFloorMinutes: 15,
  });
  return {
    calendars: [
      {
        id: 'business-hours',
        name: 'Business hours',
        calendar: {
          kind: 'businessHours',
          timezone: tz,
          hours: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, start: '09:00', end: '17:00' })),
          holidays: [],
        },
      },
    ],
    policies: {
      policies: [
        policy('urgent', 'Urgent', 30, 4 * 60, always),
        policy('high', 'High', 60, 8 * 60, shared),
        policy('normal', 'Normal', 4 * 60, 24 * 60, shared),
        policy('low', 'Low', 8 * 60, 40 * 60, shared),
      ],
    },
    weekStart: 'mon',
  };
}
