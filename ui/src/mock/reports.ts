//! The mock backend's Reports: the same definitions as the Rust store
//! (`outpost_core::report`, `store/reports.rs`), computed from the mock's
//! tickets and their SLA events, so the view shows plausible, consistent
//! numbers in a plain browser, Vitest and Playwright.

import type {
  AgentLoad,
  BreachGroup,
  Priority,
  Report,
  ReportDay,
  ReportPeriod,
  ReportQuery,
  ReportSection,
  SlaSettings,
  SlaState,
  Status,
  Ticket,
  TimeDistribution,
} from '../bindings';
import { IpcError, type TargetView } from '../ipc';
import { AGENTS, CATEGORIES } from './data';
import { evaluate, type SlaEvent } from './sla';

const DAY_MS = 24 * 3600 * 1000;
const MAX_DAYS = 366;
const PRIORITIES: Priority[] = ['urgent', 'high', 'normal', 'low'];
const PRIORITY_LABEL: Record<Priority, string> = { urgent: 'Urgent', high: 'High', normal: 'Normal', low: 'Low' };
const ACTIVE: Status[] = ['open', 'in_progress', 'waiting'];
const BUCKETS: [number, string][] = [
  [0, '< 15 min'],
  [15, '15–30 min'],
  [30, '30 min–1 h'],
  [60, '1–2 h'],
  [120, '2–4 h'],
  [240, '4–8 h'],
  [480, '8–24 h'],
  [1440, '1–3 days'],
  [4320, '3–7 days'],
  [10080, '≥ 7 days'],
];

/** `YYYY-MM-DD` of instant `t` in `tz`. */
function localDate(t: number, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(t),
  );
}

/** Offset of `tz` at `t` in ms (local wall clock minus UTC). */
function offset(t: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(t));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(t / 1000) * 1000;
}

/** The first instant of date `d` (`YYYY-MM-DD`) in `tz`. */
export function dayStart(d: string, tz: string): number {
  const [y, m, day] = d.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, day);
  let t = wall - offset(wall, tz);
  t = wall - offset(t, tz);
  return t;
}

function addDays(d: string, n: number): string {
  const [y, m, day] = d.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, day) + n * DAY_MS).toISOString().slice(0, 10);
}

const invalid = (message: string) => new IpcError({ code: 'invalid_value', message: `Invalid period: ${message}` });
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The period's instants and days, as `ReportPeriod::resolve` does. */
export function resolvePeriod(p: ReportPeriod, tz: string, now: number) {
  const today = localDate(now, tz);
  let first: string;
  let last: string;
  switch (p.kind) {
    case 'today':
      [first, last] = [today, today];
      break;
    case 'last7Days':
      [first, last] = [addDays(today, -6), today];
      break;
    case 'last30Days':
      [first, last] = [addDays(today, -29), today];
      break;
    case 'custom': {
      if (!DATE.test(p.from) || !DATE.test(p.to)) throw invalid('dates must be YYYY-MM-DD');
      if (p.to < p.from) throw invalid(`the end date ${p.to} is before the start date ${p.from}`);
      if (p.from > today) throw invalid(`the start date ${p.from} is in the future`);
      const span = Math.round((Date.UTC(...ymd(p.to)) - Date.UTC(...ymd(p.from))) / DAY_MS) + 1;
      if (span > MAX_DAYS) throw invalid(`a report covers at most ${MAX_DAYS} days`);
      [first, last] = [p.from, p.to < today ? p.to : today];
    }
  }
  const days: { date: string; end: number }[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) days.push({ date: d, end: Math.min(dayStart(addDays(d, 1), tz), now + 1) });
  return { from: dayStart(first, tz), to: days[days.length - 1].end, days };
}

function ymd(d: string): [number, number, number] {
  const [y, m, day] = d.split('-').map(Number);
  return [y, m - 1, day];
}

function nearestRank(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[rank - 1];
}

export function distribution(ms: number[]): TimeDistribution {
  const v = ms.map((x) => Math.max(0, x)).sort((a, b) => a - b);
  const min = (x: number | null) => (x === null ? null : x / 60_000);
  return {
    count: v.length,
    medianMinutes: min(nearestRank(v, 50)),
    p90Minutes: min(nearestRank(v, 90)),
    buckets: BUCKETS.map(([lo, label], i) => {
      const hi = BUCKETS[i + 1]?.[0] ?? null;
      return {
        label,
        loMinutes: lo,
        hiMinutes: hi,
        count: v.filter((x) => x >= lo * 60_000 && (hi === null || x < hi * 60_000)).length,
      };
    }),
  };
}

export type ReportContext = {
  tickets: Ticket[];
  events: Map<string, SlaEvent[]>;
  sla: SlaSettings;
  now: number;
  tz: string;
  /** The ticket's SLA state at `now` from its stored snapshot. */
  stateAt: (t: Ticket, now: number) => SlaState;
};

export function mockReport(q: ReportQuery, ctx: ReportContext): Report {
  const { now, tz } = ctx;
  const { from, to, days } = resolvePeriod(q.period, tz, now);
  const within = (t: number | null) => t !== null && t >= from && t < to;
  const at = (s: string | null) => (s === null ? null : Date.parse(s));
  const inScope = ctx.tickets.filter(
    (t) =>
      (q.agentId === null || t.assigneeId === q.agentId) &&
      (q.categoryId === null || t.categoryId === q.categoryId) &&
      (q.priority === null || t.priority === q.priority),
  );
  const met = [0, 0];
  const missed = [0, 0];
  const byPriority = new Map<Priority, number[]>();
  const byCategory = new Map<string | null, number[]>();
  const tally = (t: Ticket, target: TargetView | null, i: number) => {
    if (!target) return;
    let miss: boolean;
    if (target.state === 'met' && within(at(target.completedAt))) miss = false;
    else if (target.state === 'missed' && within(at(target.completedAt))) miss = true;
    else if (target.state === 'breached' && within(at(target.deadline))) miss = true;
    else return;
    if (!miss) {
      met[i]++;
      return;
    }
    missed[i]++;
    const p = byPriority.get(t.priority) ?? [0, 0];
    p[i]++;
    byPriority.set(t.priority, p);
    const c = byCategory.get(t.categoryId) ?? [0, 0];
    c[i]++;
    byCategory.set(t.categoryId, c);
  };
  const frMs: number[] = [];
  const resMs: number[] = [];
  const dayIndex = (t: number) => (t < from || t >= to ? -1 : days.findIndex((d) => t < d.end));
  const perDay: ReportDay[] = days.map((d) => ({
    date: d.date,
    open: 0,
    inProgress: 0,
    waiting: 0,
    created: 0,
    resolved: 0,
  }));
  for (const t of inScope) {
    const created = Date.parse(t.createdAt);
    if (created >= to) continue;
    const events = ctx.events.get(t.id) ?? [];
    const e = evaluate(ctx.sla, t, events, now, false);
    tally(t, e.firstResponse, 0);
    tally(t, e.resolution, 1);
    const fr = at(t.firstResponseAt);
    if (fr !== null && within(fr)) frMs.push(fr - created);
    const res = at(t.resolvedAt);
    if (res !== null && within(res)) resMs.push(res - created);
    const ci = dayIndex(created);
    if (ci >= 0) perDay[ci].created++;
    // Status over time from the status events (the first is the creation).
    const changes = events.filter((x) => x.kind === 'status') as { at: number; status: Status }[];
    let prev: Status = 'open';
    for (const c of changes.slice(1)) {
      const ri = dayIndex(c.at);
      if (ri >= 0 && ACTIVE.includes(prev) && !ACTIVE.includes(c.status)) perDay[ri].resolved++;
      prev = c.status;
    }
    days.forEach((d, i) => {
      if (created >= d.end) return;
      let status: Status = changes[0]?.status ?? t.status;
      for (const c of changes) if (c.at < d.end) status = c.status;
      if (status === 'open') perDay[i].open++;
      else if (status === 'in_progress') perDay[i].inProgress++;
      else if (status === 'waiting') perDay[i].waiting++;
    });
  }
  const breachesByPriority: BreachGroup[] = PRIORITIES.map((p) => {
    const n = byPriority.get(p) ?? [0, 0];
    return { key: p, label: PRIORITY_LABEL[p], firstResponse: n[0], resolution: n[1] };
  });
  const breachesByCategory: BreachGroup[] = [...byCategory.entries()]
    .map(([id, n]) => ({
      key: id ?? '',
      label: id === null ? 'No category' : (CATEGORIES.find((c) => c.id === id)?.name ?? 'Unknown category'),
      firstResponse: n[0],
      resolution: n[1],
    }))
    .sort((a, b) => b.firstResponse + b.resolution - (a.firstResponse + a.resolution) || a.label.localeCompare(b.label));
  const load = new Map<string | null, AgentLoad>();
  for (const t of inScope) {
    if (!ACTIVE.includes(t.status)) continue;
    const row = load.get(t.assigneeId) ?? {
      agentId: t.assigneeId,
      name: t.assigneeId === null ? 'Unassigned' : (AGENTS.find((a) => a.id === t.assigneeId)?.name ?? 'Unknown agent'),
      open: 0,
      atRisk: 0,
      overdue: 0,
    };
    row.open++;
    const s = ctx.stateAt(t, now);
    if (s === 'at_risk') row.atRisk++;
    if (s === 'breached') row.overdue++;
    load.set(t.assigneeId, row);
  }
  const agentLoad: AgentLoad[] = [...AGENTS]
    .filter((a) => q.agentId === null || a.id === q.agentId)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((a) => load.get(a.id) ?? { agentId: a.id, name: a.name, open: 0, atRisk: 0, overdue: 0 });
  const unassigned = load.get(null);
  if (unassigned) agentLoad.push(unassigned);
  const pct = (i: number) => (met[i] + missed[i] > 0 ? (met[i] * 100) / (met[i] + missed[i]) : null);
  return {
    query: q,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    timezone: tz,
    generatedAt: new Date(now).toISOString(),
    compliance: [
      { target: 'first_response', met: met[0], missed: missed[0], percent: pct(0) },
      { target: 'resolution', met: met[1], missed: missed[1], percent: pct(1) },
    ],
    breachesByPriority,
    breachesByCategory,
    firstResponseTimes: distribution(frMs),
    resolutionTimes: distribution(resMs),
    days: perDay,
    agentLoad,
  };
}

/** Rows a section's CSV would hold (header excluded), as the store writes it. */
export function sectionRows(r: Report, section: ReportSection): number {
  switch (section) {
    case 'compliance':
      return r.compliance.length;
    case 'breaches_by_priority':
      return r.breachesByPriority.length;
    case 'breaches_by_category':
      return r.breachesByCategory.length;
    case 'first_response_times':
      return r.firstResponseTimes.buckets.length + 3;
    case 'resolution_times':
      return r.resolutionTimes.buckets.length + 3;
    case 'backlog':
    case 'created_resolved':
      return r.days.length;
    case 'agent_load':
      return r.agentLoad.length;
  }
}
