//! The board's filter state: what the filter bar and stats bar edit, how it
//! becomes a `TicketQuery`, and how it survives a restart (localStorage).
//!
//! Words used here:
//! - *filters*: status, priority, assignee, category, SLA bucket and sort.
//!   The search text is kept apart: it is transient and not persisted.
//! - *chip*: one active filter shown as a clearable pill.

import type {
  AssigneeFilter,
  Priority,
  SlaBucket,
  SortOrder,
  Status,
  TicketQuery,
} from '../bindings';
import type { Session } from '../ipc';
import { PRIORITIES, PRIORITY_LABEL, SLA_BUCKETS, SLA_BUCKET_LABEL, SORTS, STATUSES, STATUS_LABEL } from './format';

export type Filters = {
  status: Status | null;
  priority: Priority | null;
  assignee: AssigneeFilter;
  categoryId: string | null;
  sla: SlaBucket | null;
  sort: SortOrder;
};

export const DEFAULT_FILTERS: Filters = {
  status: null,
  priority: null,
  assignee: { kind: 'anyone' },
  categoryId: null,
  sla: null,
  sort: 'due_date',
};

export const STORAGE_KEY = 'outpost.board.filters.v1';

export function toQuery(f: Filters, text: string): TicketQuery {
  const t = text.trim();
  return {
    statuses: f.status ? [f.status] : [],
    priorities: f.priority ? [f.priority] : [],
    assignee: f.assignee,
    categoryId: f.categoryId,
    sla: f.sla,
    text: t === '' ? null : t,
    sort: f.sort,
  };
}

/** Whether any filter (not the sort) narrows the board. */
export function hasActiveFilters(f: Filters): boolean {
  return (
    f.status !== null ||
    f.priority !== null ||
    f.assignee.kind !== 'anyone' ||
    f.categoryId !== null ||
    f.sla !== null
  );
}

/** Clears every filter but keeps the sort. */
export const clearedFilters = (f: Filters): Filters => ({ ...DEFAULT_FILTERS, sort: f.sort });

function oneOf<T extends string>(v: unknown, allowed: readonly T[]): T | null {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : null;
}

function parseAssignee(v: unknown): AssigneeFilter {
  if (v && typeof v === 'object' && 'kind' in v) {
    const o = v as { kind: unknown; agentId?: unknown };
    if (o.kind === 'me' || o.kind === 'unassigned') return { kind: o.kind };
    if (o.kind === 'agent' && typeof o.agentId === 'string') return { kind: 'agent', agentId: o.agentId };
  }
  return { kind: 'anyone' };
}

/** Reads saved filters, dropping anything malformed (old versions, hand edits). */
export function loadFilters(storage: Storage | undefined = globalThis.localStorage): Filters {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (!raw) return DEFAULT_FILTERS;
    const o = JSON.parse(raw) as Record<string, unknown>;
    return {
      status: oneOf(o.status, STATUSES),
      priority: oneOf(o.priority, PRIORITIES),
      assignee: parseAssignee(o.assignee),
      categoryId: typeof o.categoryId === 'string' ? o.categoryId : null,
      sla: oneOf(o.sla, SLA_BUCKETS),
      sort: oneOf(o.sort, SORTS) ?? DEFAULT_FILTERS.sort,
    };
  } catch {
    return DEFAULT_FILTERS;
  }
}

export function saveFilters(f: Filters, storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(f));
  } catch {
    // Storage full or disabled: the filters still work for this session.
  }
}

export type Chip = { key: keyof Filters; label: string; value: string };

/** The active filters as chips, with names resolved from the session. */
export function activeChips(f: Filters, session: Session): Chip[] {
  const chips: Chip[] = [];
  if (f.status) chips.push({ key: 'status', label: 'Status', value: STATUS_LABEL[f.status] });
  if (f.priority) chips.push({ key: 'priority', label: 'Priority', value: PRIORITY_LABEL[f.priority] });
  const a = f.assignee;
  if (a.kind === 'me') chips.push({ key: 'assignee', label: 'Assigned to', value: 'Me' });
  if (a.kind === 'unassigned') chips.push({ key: 'assignee', label: 'Assigned to', value: 'Unassigned' });
  if (a.kind === 'agent') {
    const name = session.agents.find((x) => x.id === a.agentId)?.name ?? 'Unknown agent';
    chips.push({ key: 'assignee', label: 'Assigned to', value: name });
  }
  if (f.categoryId) {
    const name = session.categories.find((c) => c.id === f.categoryId)?.name ?? 'Unknown category';
    chips.push({ key: 'categoryId', label: 'Category', value: name });
  }
  if (f.sla) chips.push({ key: 'sla', label: 'SLA', value: SLA_BUCKET_LABEL[f.sla] });
  return chips;
}

/** The filters with one key reset to its default. */
export function withoutFilter(f: Filters, key: keyof Filters): Filters {
  return { ...f, [key]: DEFAULT_FILTERS[key] };
}
