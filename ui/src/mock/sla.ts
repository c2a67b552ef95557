//! A compact SLA engine for the mock backend, following outpost-core's
//! `sla/engine.rs` closely enough for the UI: business calendars in a timezone
//! (opening hours, holidays, 24/7), clocks replayed from a ticket's status
//! history (Waiting pauses, Resolved/Closed stop, reopen resumes), per-target
//! states, the ticket's due date and state, and the "why" timeline.
//!
//! Words used here (as in the core): *segment* = a run of time during which a
//! calendar is open, closed or on a holiday; *stretch* = a run between two
//! history events; *elapsed* = business time a target's clock has counted.
//! Times are UTC milliseconds; a *day number* is days since 1970-01-01 of a
//! local date.

import type {
  CalendarSettings,
  Interval,
  IntervalKind,
  SlaPolicy,
  SlaSettings,
  SlaSnapshot,
  SlaState,
  SlaTarget,
  Status,
  Ticket,
} from '../bindings';
import type { SlaView, TargetView } from '../ipc';
import { DAYS, parseClock } from '../lib/slaRules';

const MIN = 60_000;
const DAY = 86_400_000;
/** How far any walk over a calendar may go before giving up. */
const MAX_DAYS = 800;

export type SlaEvent = { at: number; kind: 'status'; status: Status } | { at: number; kind: 'reply' };

type Segment = 'open' | 'closed' | 'holiday';
type DayInfo = { start: number; end: number; holiday: boolean; open: [number, number][] };
type Compiled =
  | { always: true }
  | {
      always: false;
      tz: string;
      week: [number, number][][];
      dates: Set<string>;
      yearly: Set<string>;
      days: Map<number, DayInfo>;
    };

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();
/** The UTC offset in `tz` at `utc`; cached per 15 minutes (offsets change on quarter hours). */
function offsetMs(tz: string, utc: number): number {
  let byTz = offsets.get(tz);
  if (!byTz) offsets.set(tz, (byTz = new Map()));
  const bucket = Math.floor(utc / (15 * MIN));
  let o = byTz.get(bucket);
  if (o === undefined) {
    o = computeOffset(tz, bucket * 15 * MIN);
    byTz.set(bucket, o);
  }
  return o;
}

function computeOffset(tz: string, utc: number): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(utc))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const local = Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second);
  return local - Math.floor(utc / 1000) * 1000;
}

/** The first instant at which the wall clock in `tz` reads `naive` or later (the core's DST rule). */
function localToUtc(tz: string, naive: number): number {
  const o1 = offsetMs(tz, naive);
  const t1 = naive - o1;
  const o2 = offsetMs(tz, t1);
  const t2 = naive - o2;
  if (offsetMs(tz, t2) === o2) {
    // Ambiguous (fall-back): the earlier occurrence.
    const o3 = offsetMs(tz, t2 - 3_600_000);
    const t3 = naive - o3;
    return o3 !== o2 && offsetMs(tz, t3) === o3 ? Math.min(t2, t3) : t2;
  }
  // Skipped (spring-forward): the instant the clock jumps.
  let lo = naive - Math.max(o1, o2) - MIN;
  let hi = naive - Math.min(o1, o2) + MIN;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (mid + offsetMs(tz, mid) >= naive) hi = mid;
    else lo = mid;
  }
  return hi;
}

const compiledCache = new Map<string, Compiled>();
const byObject = new WeakMap<CalendarSettings, Compiled>();
export function compile(settings: CalendarSettings): Compiled {
  const known = byObject.get(settings);
  if (known) return known;
  const key = JSON.stringify(settings);
  let c = compiledCache.get(key);
  if (c) {
    byObject.set(settings, c);
    return c;
  }
  if (settings.kind === 'alwaysOpen') {
    c = { always: true };
  } else {
    const week: [number, number][][] = DAYS.map(() => []);
    for (const h of settings.hours) {
      const s = parseClock(h.start);
      const e = parseClock(h.end);
      if (s !== null && e !== null && e > s) week[DAYS.indexOf(h.day)].push([s, e]);
    }
    for (const d of week) d.sort((a, b) => a[0] - b[0]);
    c = {
      always: false,
      tz: settings.timezone,
      week,
      dates: new Set(settings.holidays.filter((h) => !h.yearly).map((h) => h.date)),
      yearly: new Set(settings.holidays.filter((h) => h.yearly).map((h) => h.date.slice(5))),
      days: new Map(),
    };
  }
  compiledCache.set(key, c);
  byObject.set(settings, c);
  return c;
}

type Hours = Extract<Compiled, { always: false }>;

function dayInfo(c: Hours, dn: number): DayInfo {
  let d = c.days.get(dn);
  if (d) return d;
  const naive = dn * DAY;
  const key = new Date(naive).toISOString().slice(0, 10);
  const holiday = c.dates.has(key) || c.yearly.has(key.slice(5));
  const wd = (new Date(naive).getUTCDay() + 6) % 7;
  const open: [number, number][] = [];
  if (!holiday) {
    for (const [s, e] of c.week[wd]) {
      const a = localToUtc(c.tz, naive + s * MIN);
      const b = localToUtc(c.tz, naive + e * MIN);
      if (b <= a) continue;
      const last = open[open.length - 1];
      if (last && last[1] >= a) last[1] = Math.max(last[1], b);
      else open.push([a, b]);
    }
  }
  d = { start: localToUtc(c.tz, naive), end: localToUtc(c.tz, naive + DAY), holiday, open };
  c.days.set(dn, d);
  return d;
}

const localDay = (c: Hours, utc: number) => Math.floor((utc + offsetMs(c.tz, utc)) / DAY);

/** Calls `cb` for each segment of `[from, to)`, in order. */
export function segments(c: Compiled, from: number, to: number, cb: (s: number, e: number, k: Segment) => void) {
  if (to <= from) return;
  if (c.always) return cb(from, to, 'open');
  const emit = (s: number, e: number, k: Segment) => {
    const a = Math.max(s, from);
    const b = Math.min(e, to);
    if (b > a) cb(a, b, k);
  };
  for (let dn = localDay(c, from), n = 0; n < MAX_DAYS; dn++, n++) {
    const d = dayInfo(c, dn);
    if (d.start >= to) break;
    if (d.holiday) {
      emit(d.start, d.end, 'holiday');
      continue;
    }
    let cursor = d.start;
    for (const [a, b] of d.open) {
      emit(cursor, a, 'closed');
      emit(a, b, 'open');
      cursor = b;
    }
    emit(cursor, d.end, 'closed');
  }
}

export function businessMs(c: Compiled, from: number, to: number): number {
  let sum = 0;
  segments(c, from, to, (s, e, k) => {
    if (k === 'open') sum += e - s;
  });
  return sum;
}

/** The instant `ms` of business time after `start`, or `null` beyond the walk limit. */
export function addBusiness(c: Compiled, start: number, ms: number): number | null {
  if (ms <= 0) return start;
  if (c.always) return start + ms;
  for (let dn = localDay(c, start), n = 0; n < MAX_DAYS; dn++, n++) {
    for (const [a, b] of dayInfo(c, dn).open) {
      if (b <= start) continue;
      const s = Math.max(a, start);
      if (ms <= b - s) return s + ms;
      ms -= b - s;
    }
  }
  return null;
}

/** The instant `ms` of business time before `end` (for generating histories). */
export function subBusiness(c: Compiled, end: number, ms: number): number {
  if (ms <= 0) return end;
  if (c.always) return end - ms;
  for (let dn = localDay(c, end), n = 0; n < MAX_DAYS; dn--, n++) {
    const open = dayInfo(c, dn).open;
    for (let i = open.length - 1; i >= 0; i--) {
      const [a, b] = open[i];
      if (a >= end) continue;
      const e = Math.min(b, end);
      if (ms <= e - a) return e - ms;
      ms -= e - a;
    }
  }
  return end - ms;
}

/** The next instant after `t` at which the calendar opens or closes. */
function nextTransition(c: Compiled, t: number): number | null {
  if (c.always) return null;
  let first: Segment | null = null;
  let at: number | null = null;
  segments(c, t, t + 14 * DAY, (s, _e, k) => {
    const kind = k === 'open' ? 'open' : 'closed';
    if (at !== null) return;
    if (first === null) first = kind;
    else if (kind !== first) at = s;
  });
  return at;
}

export function resolveCalendar(settings: SlaSettings, policy: SlaPolicy): CalendarSettings | null {
  if (policy.calendar.kind === 'embedded') return policy.calendar.calendar;
  const id = policy.calendar.id;
  return settings.calendars.find((c) => c.id === id)?.calendar ?? null;
}

export function matchingPolicy(settings: SlaSettings, t: Pick<Ticket, 'priority' | 'categoryId'>): SlaPolicy | null {
  return (
    settings.policies.policies.find(
      (p) => p.priorities.includes(t.priority) && (p.categoryId === null || p.categoryId === t.categoryId),
    ) ?? null
  );
}

type Phase = { status: Status; fr: number | null; res: number | null };
const isActive = (s: Status) => s === 'open' || s === 'in_progress' || s === 'waiting';
const TARGETS: SlaTarget[] = ['first_response', 'resolution'];
const doneAt = (p: Phase, t: SlaTarget) => (t === 'first_response' ? p.fr : p.res);
const running = (p: Phase, t: SlaTarget) => doneAt(p, t) === null && p.status !== 'waiting';

function setStatus(p: Phase, status: Status, at: number) {
  if (status === p.status) return;
  p.status = status;
  if (status === 'in_progress' || status === 'resolved' || status === 'closed') p.fr ??= at;
  if (isActive(status)) p.res = null;
  else p.res ??= at;
}

type Clock = { target: SlaTarget; targetMs: number; riskMs: number; elapsed: number; riskAt: number | null; breachAt: number | null };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Evaluates a ticket at `now` from its events (creation first, as status `open`). */
export function evaluate(
  settings: SlaSettings,
  ticket: Pick<Ticket, 'priority' | 'categoryId' | 'dueOverride'>,
  events: SlaEvent[],
  now: number,
  explain = true,
): SlaView {
  const override = ticket.dueOverride;
  const policy = matchingPolicy(settings, ticket);
  const calSettings = policy ? resolveCalendar(settings, policy) : null;
  if (!policy || !calSettings || events.length === 0) {
    const snapshot: SlaSnapshot = { state: 'none', dueAt: override, atRiskAt: null, breachAt: null, nextChange: null };
    return {
      policyId: null,
      state: 'none',
      dueAt: override,
      firstResponse: null,
      resolution: null,
      nextChange: null,
      clockChangeAt: null,
      explanation: [],
      snapshot,
    };
  }
  const cal = compile(calSettings);
  const created = events[0].at;
  const clocks: Clock[] = TARGETS.map((target) => {
    const minutes = target === 'first_response' ? policy.firstResponseMinutes : policy.resolutionMinutes;
    const targetMs = minutes * MIN;
    const threshold = Math.max(Math.floor((targetMs * policy.atRiskPercent) / 100), policy.atRiskFloorMinutes * MIN);
    const riskMs = targetMs - threshold;
    return {
      target,
      targetMs,
      riskMs,
      elapsed: 0,
      riskAt: riskMs <= 0 ? created : null,
      breachAt: targetMs <= 0 ? created : null,
    };
  });
  const phase: Phase = { status: 'open', fr: null, res: null };
  const stretches: [number, number, Phase][] = [];
  let t = created;
  const visit = (start: number, end: number) => {
    stretches.push([start, end, { ...phase }]);
    const runningClocks = clocks.filter((c) => running(phase, c.target));
    if (runningClocks.length === 0) return;
    const business = businessMs(cal, start, end);
    for (const c of runningClocks) {
      const before = c.elapsed;
      c.elapsed += business;
      if (c.riskAt === null && before < c.riskMs && c.riskMs <= c.elapsed) c.riskAt = addBusiness(cal, start, c.riskMs - before);
      if (c.breachAt === null && before < c.targetMs && c.targetMs <= c.elapsed)
        c.breachAt = addBusiness(cal, start, c.targetMs - before);
    }
  };
  for (const ev of events.slice(1)) {
    if (ev.at > now) break;
    if (ev.at > t) {
      visit(t, ev.at);
      t = ev.at;
    }
    if (ev.kind === 'status') setStatus(phase, ev.status, ev.at);
    else phase.fr ??= ev.at;
  }
  if (now > t) visit(t, now);

  for (const c of clocks) {
    if (!running(phase, c.target)) continue;
    c.riskAt ??= addBusiness(cal, now, c.riskMs - c.elapsed);
    c.breachAt ??= addBusiness(cal, now, c.targetMs - c.elapsed);
  }
  const targets: TargetView[] = clocks.map((c) => {
    const reached = c.elapsed >= c.targetMs;
    const left = Math.max(c.targetMs - c.elapsed, 0);
    const done = doneAt(phase, c.target);
    let state: SlaState;
    let deadline: number | null;
    if (done !== null) [state, deadline] = reached ? ['missed', c.breachAt] : ['met', null];
    else if (reached) [state, deadline] = ['breached', c.breachAt];
    else if (!running(phase, c.target)) [state, deadline] = ['paused', addBusiness(cal, now, left)];
    else if (c.riskAt !== null && c.riskAt <= now) [state, deadline] = ['at_risk', c.breachAt];
    else [state, deadline] = ['on_track', c.breachAt];
    return {
      target: c.target,
      state,
      targetMinutes: c.targetMs / MIN,
      deadline: iso(deadline),
      atRiskAt: running(phase, c.target) ? iso(c.riskAt) : null,
      elapsedMinutes: Math.floor(c.elapsed / MIN),
      remainingMinutes: Math.ceil(left / MIN),
      overdueMinutes: Math.floor(Math.max(c.elapsed - c.targetMs, 0) / MIN),
      completedAt: iso(done),
    };
  });
  const runningClocks = clocks.filter((c) => running(phase, c.target));
  const earliest = (f: (c: Clock) => number | null) => {
    const v = runningClocks.map(f).filter((x): x is number => x !== null);
    return v.length ? Math.min(...v) : null;
  };
  const breachAt = earliest((c) => c.breachAt);
  const atRiskAt = earliest((c) => c.riskAt);
  const active = TARGETS.map((tg, i) => [doneAt(phase, tg) === null, targets[i].state] as const);
  const state = ticketState(active);
  const dueAt = override ?? iso(breachAt);
  const nextChange =
    state === 'on_track' || state === 'at_risk'
      ? ([atRiskAt, breachAt].filter((x): x is number => x !== null && x > now).sort((a, b) => a - b)[0] ?? null)
      : null;
  const snapshot: SlaSnapshot = { state, dueAt, atRiskAt: iso(atRiskAt), breachAt: iso(breachAt), nextChange: iso(nextChange) };

  const explanation: Interval[] = [];
  if (explain) {
    const push = (s: number, e: number, kind: IntervalKind, projected: boolean) => {
      const last = explanation[explanation.length - 1];
      if (last && last.kind === kind && last.projected === projected && Date.parse(last.end) === s) {
        last.end = new Date(e).toISOString();
        return;
      }
      explanation.push({ start: new Date(s).toISOString(), end: new Date(e).toISOString(), kind, projected });
    };
    const add = (s: number, e: number, p: Phase, projected: boolean) => {
      if (running(p, 'first_response') || running(p, 'resolution')) {
        segments(cal, s, e, (a, b, k) =>
          push(a, b, k === 'open' ? 'running' : k === 'closed' ? 'outside_business_hours' : 'holiday', projected),
        );
      } else push(s, e, p.status === 'waiting' ? 'paused' : 'stopped', projected);
    };
    for (const [s, e, p] of stretches) add(s, e, p, false);
    if (breachAt !== null && breachAt > now) add(now, breachAt, phase, true);
  }
  return {
    policyId: policy.id,
    state,
    dueAt,
    firstResponse: targets[0],
    resolution: targets[1],
    nextChange: iso(nextChange),
    clockChangeAt: explain && runningClocks.length ? iso(nextTransition(cal, now)) : null,
    explanation,
    snapshot,
  };
}

function ticketState(targets: readonly (readonly [boolean, SlaState])[]): SlaState {
  const active = targets.filter(([a]) => a).map(([, s]) => s);
  if (active.includes('breached')) return 'breached';
  if (active.includes('at_risk')) return 'at_risk';
  if (active.length > 0) return active.every((s) => s === 'paused') ? 'paused' : 'on_track';
  return targets.some(([, s]) => s === 'missed') ? 'missed' : 'met';
}

/** The state a snapshot implies at `now` (the core's `SlaSnapshot::state_at`). */
export function stateAt(s: SlaSnapshot, now: number): SlaState {
  if (s.state !== 'on_track' && s.state !== 'at_risk') return s.state;
  if (s.breachAt && now >= Date.parse(s.breachAt)) return 'breached';
  if (s.atRiskAt && now >= Date.parse(s.atRiskAt)) return 'at_risk';
  return s.state;
}
