//! Labels and time formatting shared by the board, the detail panel and the
//! mock: status/priority/SLA labels in the spec's wording, relative times
//! ("5 min ago"), SLA countdowns ("in 2 h 10 min", "overdue by 35 min").

import type { HistoryField, Priority, SlaBucket, SlaState, SortOrder, Status } from '../bindings';

export const STATUSES: readonly Status[] = ['open', 'in_progress', 'waiting', 'resolved', 'closed'];
export const PRIORITIES: readonly Priority[] = ['urgent', 'high', 'normal', 'low'];
export const SLA_BUCKETS: readonly SlaBucket[] = ['due_today', 'due_this_week', 'overdue', 'at_risk'];
export const SORTS: readonly SortOrder[] = ['due_date', 'priority', 'updated', 'created', 'number'];

export const STATUS_LABEL: Record<Status, string> = {
  open: 'Open',
  in_progress: 'In Progress',
  waiting: 'Waiting',
  resolved: 'Resolved',
  closed: 'Closed',
};

export const PRIORITY_LABEL: Record<Priority, string> = {
  urgent: 'Urgent',
  high: 'High',
  normal: 'Normal',
  low: 'Low',
};

export const SLA_BUCKET_LABEL: Record<SlaBucket, string> = {
  due_today: 'Due Today',
  due_this_week: 'Due This Week',
  overdue: 'Overdue',
  at_risk: 'At Risk',
};

export const SLA_STATE_LABEL: Record<SlaState, string> = {
  none: 'No SLA',
  on_track: 'On track',
  at_risk: 'At risk',
  breached: 'Overdue',
  paused: 'Paused',
  met: 'Met',
  missed: 'Missed',
};

export const SORT_LABEL: Record<SortOrder, string> = {
  due_date: 'Due date',
  priority: 'Priority',
  updated: 'Recently updated',
  created: 'Newest',
  number: 'Ticket number',
};

export const HISTORY_FIELD_LABEL: Record<HistoryField, string> = {
  created: 'created the ticket',
  title: 'title',
  description: 'description',
  status: 'status',
  priority: 'priority',
  assignee: 'assignee',
  category: 'category',
  due_date: 'due date',
  sla: 'SLA',
  comment: 'comment',
  conflict: 'conflict',
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A span in the board's short style: "35 min", "2 h 10 min", "3 d 4 h". */
export function formatSpan(ms: number): string {
  const m = Math.max(0, Math.round(ms / MINUTE));
  if (m < 1) return 'less than 1 min';
  if (m < 60) return `${m} min`;
  const d = Math.floor(m / (24 * 60));
  const h = Math.floor((m % (24 * 60)) / 60);
  const min = m % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  return min > 0 ? `${h} h ${min} min` : `${h} h`;
}

/** The SLA countdown a card shows, or `null` when there is nothing to count. */
export function slaCountdown(
  state: SlaState,
  dueAt: string | null,
  now: number,
): string | null {
  if (state === 'paused') return 'paused';
  if (state === 'met') return 'SLA met';
  if (state === 'missed') return 'SLA missed';
  if (!dueAt) return null;
  const diff = Date.parse(dueAt) - now;
  return diff >= 0 ? `in ${formatSpan(diff)}` : `overdue by ${formatSpan(-diff)}`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", then a date. */
export function relativeTime(iso: string, now: number): string {
  const diff = now - Date.parse(iso);
  if (diff < MINUTE && diff > -MINUTE) return 'just now';
  if (diff < 0) return `in ${formatSpan(-diff)}`;
  if (diff < HOUR) return `${Math.round(diff / MINUTE)} min ago`;
  if (diff < DAY) return `${Math.floor(diff / HOUR)} h ago`;
  if (diff < 30 * DAY) return `${Math.floor(diff / DAY)} d ago`;
  return formatDate(iso);
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });

export const formatDate = (iso: string) => dateFmt.format(new Date(iso));
export const formatDateTime = (iso: string) => dateTimeFmt.format(new Date(iso));
/** The exact time shown on hover. */
export const formatExact = (iso: string) => fullFmt.format(new Date(iso));

/** Two-letter initials for an avatar. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '?';
  const first = parts[0][0] ?? '';
  const last = parts.length > 1 ? (parts[parts.length - 1][0] ?? '') : '';
  return (first + last).toUpperCase();
}

/** A stable hue for an agent's avatar, derived from the id. */
export function avatarHue(id: string): number {
  // FNV-1a, then spread over 12 well-separated hues.
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return (h % 12) * 30;
}

/** "1,234" in the user's locale. */
export const formatCount = (n: number) => n.toLocaleString();

/** Business time in hours and minutes (no days: a business day is not 24 h): "26 h 30 min". */
export function formatBusiness(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return rest > 0 ? `${h} h ${rest} min` : `${h} h`;
}

/** A target's state as its own word (a target is "breached", a ticket "overdue"). */
export const TARGET_STATE_LABEL: Record<SlaState, string> = {
  none: 'No SLA',
  on_track: 'On track',
  at_risk: 'At risk',
  breached: 'Breached',
  paused: 'Paused',
  met: 'Met',
  missed: 'Missed',
};
