//! An in-memory implementation of the IPC [`Backend`] for tests and for running
//! the UI in a plain browser: filters, stats, search by number or title words,
//! sorts, keyset cursor paging, edits with history, comments with @mentions,
//! bulk updates, a CSV export that only counts rows, and SLA settings with due
//! dates computed by a small SLA engine (`./sla.ts`). It follows the Rust
//! store's rules (outpost-core `query.rs`) closely enough that the board's
//! behaviour in tests is the behaviour against the real store.
//!
//! URL options (plain browser): `?mock` uses it; `count=N` sets the ticket
//! count (`count=0` shows the empty board); `latency=MS` delays every call;
//! `ai=1` turns on the AI Insights plan feature; `agent=N` signs in as the Nth
//! agent (0 is the admin, others are agents); `sync=local|offline|online`
//! starts local-only, signed in with the server unreachable, or signed in and
//! online (the default, with a few seeded conflicts).
//!
//! Sync: the mock server is `http://127.0.0.1:7878` and accepts
//! `admin@demo.outpost` / `outpost-demo`. While signed in, every change adds to
//! the pending count and, when the server is reachable, a background sync
//! pushes it shortly after (`sync-status` is emitted when a sync starts and
//! after every attempt). Five failed sign-ins within a minute are rate limited.

import type {
  BoardPage,
  BulkSelection,
  Comment,
  HistoryEvent,
  HistoryField,
  NewTicket,
  ReportQuery,
  ReportSection,
  SlaSettings,
  SlaSnapshot,
  SlaState,
  Ticket,
  TicketCard,
  TicketPatch,
  TicketQuery,
} from '../bindings';
import {
  IpcError,
  type Backend,
  type NotificationPrefs,
  type OpenTarget,
  type Session,
  type SyncConflict,
  type SyncStatus,
} from '../ipc';
import { DEFAULT_NOTIFICATION_PREFS } from '../lib/notifications';
import { AGENTS, CATEGORIES, WORKSPACE, generate, mockId } from './data';
import { parseUrl } from '../lib/sync';
import { createMockInbox } from './inbox';
import { defaultSlaSettings, settingsProblems } from '../lib/slaRules';
import { mockReport, sectionRows } from './reports';
import { businessMs, compile, evaluate, matchingPolicy, resolveCalendar, stateAt, subBusiness, type SlaEvent } from './sla';

import { createKbMock, type KbMock } from './kb';

export { XSS_TITLE } from './data';
export { XSS_ARTICLE_TITLE } from './kb';

export type MockOptions = {
  count?: number;
  seed?: number;
  /** Clock; defaults to `Date.now`. */
  now?: () => number;
  latencyMs?: number;
  aiInsights?: boolean;
  /** What the "native" save dialog answers; `null` = the user cancelled. */
  savePath?: string | null;
  /** Index in `AGENTS` of who is signed in; 0 (the default) is the admin. */
  agent?: number;
  /** Sync mode at start: `online` (default), `offline` (server unreachable) or `local` (not signed in). */
  sync?: 'online' | 'offline' | 'local';
  /** How long a sync round takes (default 400 ms). */
  syncMs?: number;
  /** Delay before the background sync pushes a change (default 1500 ms). */
  autoSyncMs?: number;
  /** Desktop notifications unavailable, with this reason (`?notify=off`). */
  notificationProblem?: string;
};

export const MOCK_SERVER_URL = 'http://127.0.0.1:7878';
export const MOCK_EMAIL = 'admin@demo.outpost';
export const MOCK_PASSWORD = 'outpost-demo';

/** The mock plus hooks tests use to look inside. */
export type MockBackend = Backend & {
  readonly tickets: Ticket[];
  /** The knowledge base: articles and links opened. */
  readonly kb: KbMock;
  readonly exports: { selection: BulkSelection; path: string; rows: number }[];
  /** Report sections exported to CSV. */
  readonly reportExports: { query: ReportQuery; section: ReportSection; path: string; rows: number }[];
  setSavePath(path: string | null): void;
  /** The SLA settings in force. */
  readonly sla: SlaSettings;
  /** Makes the mock server reachable or not (the next sync succeeds or fails). */
  setServerReachable(reachable: boolean): void;
  /** The notification settings as saved. */
  readonly notificationPrefs: NotificationPrefs;
  /** Acts like the shell after a notification click or a tray pick. */
  emitOpenTarget(t: OpenTarget): void;
  /** Acts like the shell finding no notification service. */
  emitNotificationsUnavailable(reason: string): void;
};

/** The history field each patch key writes. */
const PATCH_FIELD: Record<keyof TicketPatch, HistoryField> = {
  title: 'title',
  description: 'description',
  status: 'status',
  priority: 'priority',
  assigneeId: 'assignee',
  categoryId: 'category',
  dueOverride: 'due_date',
};

/** The values a patch changed on a ticket: before and after, same keys. */
function patchPair(before: Ticket, after: Ticket, patch: TicketPatch): { before: TicketPatch; after: TicketPatch } {
  const b: TicketPatch = {};
  const a: TicketPatch = {};
  for (const key of Object.keys(patch) as (keyof TicketPatch)[]) {
    if (before[key] !== after[key]) {
      Object.assign(b, { [key]: before[key] });
      Object.assign(a, { [key]: after[key] });
    }
  }
  return { before: b, after: a };
}

export function mockOptionsFromUrl(search: string): MockOptions {
  const p = new URLSearchParams(search);
  const count = p.get('count');
  const latency = p.get('latency');
  const agent = p.get('agent');
  const sync = p.get('sync');
  return {
    agent: agent !== null && /^\d+$/.test(agent) && Number(agent) < AGENTS.length ? Number(agent) : undefined,
    count: count !== null && /^\d+$/.test(count) ? Number(count) : undefined,
    latencyMs: latency !== null && /^\d+$/.test(latency) ? Number(latency) : undefined,
    aiInsights: p.get('ai') === '1',
    sync: sync === 'local' || sync === 'offline' || sync === 'online' ? sync : undefined,
    notificationProblem:
      p.get('notify') === 'off' ? 'org.freedesktop.Notifications was not provided by any .service files' : undefined,
  };
}

const MIN = 60_000;
const PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 } as const;
const MAX_KEY = Number.MAX_SAFE_INTEGER;


/** Ticket number from what an agent types (`TKT-001`, `#TKT-001`, `tkt-1`, `#1`, `1`), as the Rust parser. */
export function parseNumberQuery(input: string): number | null {
  let s = input.trim();
  if (s.startsWith('#')) s = s.slice(1).trim();
  if (s.length > 3 && s.slice(0, 3).toLowerCase() === 'tkt') {
    s = s.slice(3);
    if (s.startsWith('-')) s = s.slice(1);
    s = s.trim();
  }
  if (!/^\d{1,18}$/.test(s)) return null;
  const n = Number(s);
  return n > 0 ? n : null;
}

const DAY_INDEX = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 0 } as const;

function endOfDay(now: number, days: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() + days);
  return d.getTime();
}

export function createMockBackend(opts: MockOptions = {}): MockBackend {
  const clock = opts.now ?? Date.now;
  const { tickets, conversations } = generate(opts.count ?? 3000, opts.seed ?? 42, clock());
  const byId = new Map(tickets.map((t) => [t.id, t]));
  const comments = new Map<string, Comment[]>();
  const history = new Map<string, HistoryEvent[]>();
  const listeners = new Set<() => void>();
  const exports: MockBackend['exports'] = [];
  const reportExports: MockBackend['reportExports'] = [];
  let savePath: string | null = opts.savePath === undefined ? '/home/agent/tickets.csv' : opts.savePath;
  let seq = 0;
  const me = AGENTS[opts.agent ?? 0];
  let sla: SlaSettings = defaultSlaSettings(WORKSPACE.timezone);
  const events = new Map<string, SlaEvent[]>();
  const snapshots = new Map<string, SlaSnapshot>();
  reshapeForSla(tickets, sla, clock());
  for (const t of tickets) events.set(t.id, initialEvents(t));
  /** Evaluates a ticket and stores its due date and snapshot, as the store does after each change. */
  const reevaluate = (t: Ticket) => {
    const e = evaluate(sla, t, events.get(t.id) ?? initialEvents(t), clock(), false);
    t.dueAt = e.dueAt;
    t.slaState = e.state;
    snapshots.set(t.id, e.snapshot);
  };
  tickets.forEach(reevaluate);
  const slaStateAt = (t: Ticket, now: number): SlaState => {
    const s = snapshots.get(t.id);
    return s ? stateAt(s, now) : t.slaState;
  };
  const session: Session = {
    agent: me,
    workspace: { ...WORKSPACE, plan: { aiInsights: opts.aiInsights ?? false } },
    agents: AGENTS,
    categories: CATEGORIES,
  };

  const delay = async () => {
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    else await Promise.resolve();
  };
  const notFound = (what: string) => new IpcError({ code: 'not_found', message: `${what} not found` });
  const ticket = (id: string) => {
    const t = byId.get(id);
    if (!t) throw notFound('Ticket');
    return t;
  };
  const card = (t: Ticket): TicketCard => ({
    ticket: { ...t, slaState: slaStateAt(t, clock()) },
    displayNumber: t.number === null ? 'New (unsynced)' : `TKT-${String(t.number).padStart(3, '0')}`,
    assigneeName: AGENTS.find((a) => a.id === t.assigneeId)?.name ?? null,
    categoryName: CATEGORIES.find((c) => c.id === t.categoryId)?.name ?? null,
  });
  const emitChanged = () => {
    setTimeout(() => listeners.forEach((l) => l()), 0);
    queueForSync();
  };

  // --- Sync with the (pretend) server ---
  const syncListeners = new Set<(s: SyncStatus) => void>();
  let notificationPrefs: NotificationPrefs = { ...DEFAULT_NOTIFICATION_PREFS };
  let notificationProblem: string | null = opts.notificationProblem ?? null;
  const problemListeners = new Set<(reason: string) => void>();
  const openListeners = new Set<(t: OpenTarget) => void>();
  const syncMs = opts.syncMs ?? 400;
  const autoSyncMs = opts.autoSyncMs ?? 1500;
  const mode = opts.sync ?? 'online';
  const sync = {
    signedIn: mode !== 'local',
    reachable: mode !== 'offline',
    syncing: false,
    pending: mode === 'offline' ? 3 : 0,
    lastSyncAt: mode === 'local' ? null : new Date(clock() - (mode === 'offline' ? 47 : 2) * MIN).toISOString(),
    lastError: mode === 'offline' ? `Server unreachable: could not connect to ${MOCK_SERVER_URL}` : null,
    conflicts: mode === 'local' ? [] : seedConflicts(tickets, clock()),
    failedSignIns: [] as number[],
    timer: null as ReturnType<typeof setTimeout> | null,
  };
  const syncStatus = (): SyncStatus | null =>
    sync.signedIn
      ? {
          state: sync.syncing ? 'syncing' : sync.reachable ? 'online' : 'offline',
          pending: sync.pending,
          lastSyncAt: sync.lastSyncAt,
          lastError: sync.lastError,
          conflicts: sync.conflicts.map((c) => ({ ...c })),
        }
      : null;
  const emitSync = () => {
    const s = syncStatus();
    if (s) syncListeners.forEach((l) => l(s));
  };
  const runSync = async (): Promise<SyncStatus> => {
    if (!sync.signedIn) throw new IpcError({ code: 'not_signed_in', message: 'Sign in to a server to sync' });
    if (sync.timer) clearTimeout(sync.timer);
    sync.timer = null;
    sync.syncing = true;
    emitSync();
    await new Promise((r) => setTimeout(r, syncMs));
    sync.syncing = false;
    if (!sync.signedIn) throw new IpcError({ code: 'not_signed_in', message: 'Signed out during sync' });
    if (sync.reachable) {
      const pushed = sync.pending;
      sync.pending = 0;
      sync.lastSyncAt = new Date(clock()).toISOString();
      sync.lastError = null;
      if (pushed > 0) setTimeout(() => listeners.forEach((l) => l()), 0);
    } else {
      sync.lastError = `Server unreachable: could not connect to ${MOCK_SERVER_URL}`;
    }
    const s = syncStatus()!;
    emitSync();
    return s;
  };
  /** A local change: one more pending mutation, pushed soon when online. */
  function queueForSync(n = 1) {
    if (!sync.signedIn) return;
    sync.pending += n;
    if (sync.reachable && !sync.timer && !sync.syncing)
      sync.timer = setTimeout(() => {
        sync.timer = null;
        void runSync().catch(() => undefined);
      }, autoSyncMs);
  }

  const historyOf = (t: Ticket): HistoryEvent[] => {
    let h = history.get(t.id);
    if (!h) {
      h = [
        {
          id: mockId(6, ++seq),
          ticketId: t.id,
          actorId: null,
          at: t.createdAt,
          field: 'created',
          oldValue: null,
          newValue: t.title,
        },
      ];
      if (t.status !== 'open') {
        h.push({
          id: mockId(6, ++seq),
          ticketId: t.id,
          actorId: t.assigneeId,
          at: t.updatedAt,
          field: 'status',
          oldValue: 'open',
          newValue: t.status,
        });
      }
      history.set(t.id, h);
    }
    return h;
  };
  /** `ticketId:field` → the history seq of the field's last edit (for undo). */
  const lastEdit = new Map<string, number>();
  /** Bulk changes that can still be undone, by batch id (newest 10 kept). */
  const batches = new Map<string, { seq: number; undone: boolean; items: { t: Ticket; before: TicketPatch; after: TicketPatch }[] }>();
  const record = (t: Ticket, field: HistoryField, oldValue: string | null, newValue: string | null) => {
    lastEdit.set(`${t.id}:${field}`, seq + 1);
    historyOf(t).push({
      id: mockId(6, ++seq),
      ticketId: t.id,
      actorId: me.id,
      at: new Date(clock()).toISOString(),
      field,
      oldValue,
      newValue,
    });
  };

  const matches = (t: Ticket, q: TicketQuery, now: number, ignoreStatus: boolean): boolean => {
    if (!ignoreStatus && q.statuses.length > 0 && !q.statuses.includes(t.status)) return false;
    if (q.priorities.length > 0 && !q.priorities.includes(t.priority)) return false;
    const a = q.assignee;
    if (a.kind === 'me' && t.assigneeId !== me.id) return false;
    if (a.kind === 'unassigned' && t.assigneeId !== null) return false;
    if (a.kind === 'agent' && t.assigneeId !== a.agentId) return false;
    if (q.categoryId && t.categoryId !== q.categoryId) return false;
    if (q.sla) {
      const state = slaStateAt(t, now);
      const active = t.status === 'open' || t.status === 'in_progress' || t.status === 'waiting';
      const due = t.dueAt ? Date.parse(t.dueAt) : null;
      if (q.sla === 'overdue' && state !== 'breached') return false;
      if (q.sla === 'at_risk' && state !== 'at_risk') return false;
      if (q.sla === 'due_today' || q.sla === 'due_this_week') {
        const daysToWeekEnd = 7 - ((new Date(now).getDay() - DAY_INDEX[sla.weekStart] + 7) % 7);
        const end = endOfDay(now, q.sla === 'due_today' ? 1 : daysToWeekEnd);
        if (!active || state === 'breached' || due === null || due >= end) return false;
      }
    }
    const text = q.text?.trim();
    if (text) {
      const n = parseNumberQuery(text);
      const byNumber = n !== null && t.number === n;
      const words = text.toLowerCase().split(/\s+/);
      const titleWords = t.title.toLowerCase().split(/[^\p{L}\p{N}<>=]+/u);
      const byTitle = words.every((w) => titleWords.some((tw) => tw.startsWith(w)) || t.title.toLowerCase().includes(w));
      if (!byNumber && !byTitle) return false;
    }
    return true;
  };

  const sortKey = (t: Ticket, q: TicketQuery): number => {
    switch (q.sort) {
      case 'due_date':
        return t.dueAt ? Date.parse(t.dueAt) : MAX_KEY;
      case 'priority':
        return PRIORITY_RANK[t.priority] * 1e13 + Date.parse(t.createdAt);
      case 'updated':
        return -Date.parse(t.updatedAt);
      case 'created':
        return -Date.parse(t.createdAt);
      case 'number':
        return t.number === null ? -MAX_KEY : -t.number;
    }
  };

  const select = (q: TicketQuery): Ticket[] => {
    const now = clock();
    return tickets.filter((t) => matches(t, q, now, false));
  };

  const idsOf = (s: BulkSelection): Ticket[] =>
    s.kind === 'ids' ? s.ids.map((id) => byId.get(id)).filter((t): t is Ticket => !!t) : select(s.query);

  const applyPatch = (t: Ticket, patch: TicketPatch): boolean => {
    let changed = false;
    if (patch.title !== undefined) {
      const title = patch.title.trim();
      if (title === '') throw new IpcError({ code: 'empty_field', message: 'The title cannot be empty' });
      if (title !== t.title) {
        record(t, 'title', t.title, title);
        t.title = title;
        changed = true;
      }
    }
    if (patch.description !== undefined && patch.description !== t.description) {
      record(t, 'description', t.description, patch.description);
      t.description = patch.description;
      changed = true;
    }
    if (patch.status !== undefined && patch.status !== t.status) {
      record(t, 'status', t.status, patch.status);
      const now = clock();
      const nowIso = new Date(now).toISOString();
      events.get(t.id)?.push({ at: now, kind: 'status', status: patch.status });
      if (patch.status === 'resolved' || patch.status === 'closed') t.resolvedAt ??= nowIso;
      else t.resolvedAt = null;
      t.closedAt = patch.status === 'closed' ? nowIso : null;
      if (patch.status === 'in_progress') t.firstResponseAt ??= nowIso;
      t.status = patch.status;
      changed = true;
    }
    if (patch.priority !== undefined && patch.priority !== t.priority) {
      record(t, 'priority', t.priority, patch.priority);
      t.priority = patch.priority;
      changed = true;
    }
    if (patch.assigneeId !== undefined && patch.assigneeId !== t.assigneeId) {
      if (patch.assigneeId !== null && !AGENTS.some((a) => a.id === patch.assigneeId)) throw notFound('Agent');
      record(t, 'assignee', t.assigneeId, patch.assigneeId);
      t.assigneeId = patch.assigneeId;
      changed = true;
    }
    if (patch.categoryId !== undefined && patch.categoryId !== t.categoryId) {
      if (patch.categoryId !== null && !CATEGORIES.some((c) => c.id === patch.categoryId)) throw notFound('Category');
      record(t, 'category', t.categoryId, patch.categoryId);
      t.categoryId = patch.categoryId;
      changed = true;
    }
    if (patch.dueOverride !== undefined && patch.dueOverride !== t.dueOverride) {
      if (session.agent.role !== 'admin')
        throw new IpcError({ code: 'forbidden', message: 'Only an admin can set a due date manually' });
      record(t, 'due_date', t.dueAt, patch.dueOverride);
      t.dueOverride = patch.dueOverride;
      changed = true;
    }
    if (changed) {
      t.updatedAt = new Date(clock()).toISOString();
      reevaluate(t);
    }
    return changed;
  };

  /** Mentions are `@` followed by an agent's full or first name (longest match wins). */
  const parseMentions = (body: string): string[] => {
    const found = new Set<string>();
    const lower = body.toLowerCase();
    for (let i = lower.indexOf('@'); i >= 0; i = lower.indexOf('@', i + 1)) {
      const rest = lower.slice(i + 1);
      const hit =
        AGENTS.find((a) => rest.startsWith(a.name.toLowerCase())) ??
        AGENTS.find((a) => rest.startsWith(a.name.split(' ')[0].toLowerCase()));
      if (hit) found.add(hit.id);
    }
    return [...found];
  };

  const inbox = createMockInbox({
    conversations,
    clock,
    me,
    delay,
    emitChanged,
    createTicket: (t) => backend.createTicket(t),
    ticketCard: (id) => {
      const t = byId.get(id);
      return t ? card(t) : null;
    },
  });
  const kb = createKbMock({
    me,
    now: clock,
    delay,
    ticket: (id) => byId.get(id),
    tickets,
    changed: () => queueForSync(),
    online: () => sync.signedIn && sync.reachable,
  });
  const backend: MockBackend = {
    ...inbox,
    ...kb,
    kb,
    tickets,
    exports,
    reportExports,
    get sla() {
      return sla;
    },
    setSavePath(p) {
      savePath = p;
    },
    async getSession() {
      await delay();
      return session;
    },
    async listTickets(query, cursor, limit) {
      await delay();
      if (limit < 1 || limit > 1000) throw new IpcError({ code: 'invalid', message: 'limit must be 1..1000' });
      const keyed = select(query).map((t) => ({ t, k: sortKey(t, query) }));
      keyed.sort((a, b) => a.k - b.k || (a.t.id < b.t.id ? -1 : a.t.id > b.t.id ? 1 : 0));
      let start = 0;
      if (cursor) {
        const dot = cursor.indexOf('.');
        const k = Number(cursor.slice(0, dot));
        const id = cursor.slice(dot + 1);
        if (dot < 0 || Number.isNaN(k)) throw new IpcError({ code: 'invalid', message: 'malformed page cursor' });
        start = keyed.findIndex((e) => e.k > k || (e.k === k && e.t.id > id));
        if (start < 0) start = keyed.length;
      }
      const slice = keyed.slice(start, start + limit);
      const last = slice[slice.length - 1];
      const page: BoardPage = {
        cards: slice.map((e) => card(e.t)),
        nextCursor: start + limit < keyed.length && last ? `${last.k}.${last.t.id}` : null,
        total: keyed.length,
      };
      return page;
    },
    async ticketStats(query) {
      await delay();
      const now = clock();
      const c = { open: 0, inProgress: 0, waiting: 0, resolved: 0, closed: 0 };
      const key = { open: 'open', in_progress: 'inProgress', waiting: 'waiting', resolved: 'resolved', closed: 'closed' } as const;
      for (const t of tickets) if (matches(t, query, now, true)) c[key[t.status]]++;
      return c;
    },
    async getTicket(id) {
      await delay();
      const t = ticket(id);
      return { card: card(t), conversation: t.conversationId ? (conversations.get(t.conversationId) ?? null) : null };
    },
    async listComments(ticketId) {
      await delay();
      const t = ticket(ticketId);
      if (!comments.has(ticketId)) {
        const seeded: Comment[] = [];
        if (t.number !== null && t.number % 3 === 0) {
          const author = AGENTS[t.number % AGENTS.length];
          seeded.push({
            id: mockId(7, ++seq),
            ticketId,
            authorId: author.id,
            body: `Asked ${t.requester} for logs. @${me.name} can you take a look once they arrive?`,
            mentions: [me.id],
            createdAt: new Date(Date.parse(t.createdAt) + 35 * MIN).toISOString(),
          });
        }
        comments.set(ticketId, seeded);
      }
      return [...(comments.get(ticketId) ?? [])];
    },
    async listHistory(ticketId) {
      await delay();
      return [...historyOf(ticket(ticketId))].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || (a.id < b.id ? 1 : -1));
    },
    async updateTicket(id, patch) {
      await delay();
      const t = ticket(id);
      if (applyPatch(t, patch)) emitChanged();
      return card(t);
    },
    async addComment(ticketId, body) {
      await delay();
      const t = ticket(ticketId);
      const text = body.trim();
      if (text === '') throw new IpcError({ code: 'empty_field', message: 'A comment cannot be empty' });
      await backend.listComments(ticketId);
      const c: Comment = {
        id: mockId(7, ++seq),
        ticketId,
        authorId: me.id,
        body: text,
        mentions: parseMentions(text),
        createdAt: new Date(clock()).toISOString(),
      };
      comments.get(ticketId)?.push(c);
      record(t, 'comment', null, text.length > 80 ? `${text.slice(0, 77)}...` : text);
      emitChanged();
      return c;
    },
    async createTicket(nt: NewTicket) {
      await delay();
      if (nt.title.trim() === '') throw new IpcError({ code: 'empty_field', message: 'The title cannot be empty' });
      const now = clock();
      const n = tickets.reduce((m, t) => Math.max(m, t.number ?? 0), 0) + 1;
      const t: Ticket = {
        id: mockId(4, 10_000_000 + ++seq),
        number: n,
        title: nt.title.trim(),
        description: nt.description,
        status: 'open',
        priority: nt.priority,
        categoryId: nt.categoryId,
        assigneeId: nt.assigneeId,
        requester: nt.requester,
        conversationId: nt.conversationId,
        createdAt: new Date(now).toISOString(),
        updatedAt: new Date(now).toISOString(),
        firstResponseAt: null,
        resolvedAt: null,
        closedAt: null,
        dueAt: null,
        dueOverride: null,
        slaState: 'none',
      };
      events.set(t.id, initialEvents(t));
      reevaluate(t);
      tickets.push(t);
      byId.set(t.id, t);
      emitChanged();
      return card(t);
    },
    async bulkUpdateTickets(selection, patch) {
      await delay();
      const targets = idsOf(selection);
      const items: { t: Ticket; before: TicketPatch; after: TicketPatch }[] = [];
      for (const t of targets) {
        const before = { ...t };
        if (applyPatch(t, patch)) items.push({ t, ...patchPair(before, t, patch) });
      }
      const n = items.length;
      if (n === 0) return { changed: 0, batchId: null };
      const batchId = mockId(9, ++seq);
      batches.set(batchId, { seq, undone: false, items });
      for (const old of [...batches.keys()].slice(0, -10)) batches.delete(old);
      emitChanged();
      queueForSync(n - 1);
      return { changed: n, batchId };
    },
    async undoBulkUpdate(batchId) {
      await delay();
      const batch = batches.get(batchId);
      if (!batch) throw new IpcError({ code: 'not_found', message: `bulk change ${batchId} not found` });
      if (batch.undone)
        throw new IpcError({ code: 'already_undone', message: `bulk change ${batchId} was already undone` });
      let restored = 0;
      let kept = 0;
      for (const { t, before, after } of batch.items) {
        const restore: TicketPatch = {};
        let keptOne = false;
        for (const key of Object.keys(after) as (keyof TicketPatch)[]) {
          const edited = (lastEdit.get(`${t.id}:${PATCH_FIELD[key]}`) ?? 0) > batch.seq;
          if (!edited && t[key] === after[key]) Object.assign(restore, { [key]: before[key] });
          else keptOne = true;
        }
        if (Object.keys(restore).length > 0) applyPatch(t, restore);
        if (keptOne) kept++;
        else restored++;
      }
      batch.undone = true;
      emitChanged();
      queueForSync(restored + kept);
      return { restored, kept };
    },
    async exportTicketsCsv(selection, path) {
      await delay();
      const rows = idsOf(selection).length;
      exports.push({ selection, path, rows });
      return rows;
    },
    async chooseCsvPath() {
      await delay();
      return savePath;
    },
    async getSlaSettings() {
      await delay();
      return structuredClone(sla);
    },
    async saveSlaSettings(settings) {
      await delay();
      if (session.agent.role !== 'admin')
        throw new IpcError({ code: 'forbidden', message: 'Only an admin can change SLA settings' });
      const problem = settingsProblems(settings)[0];
      if (problem) throw new IpcError({ code: problem.code, message: problem.server });
      const trimmed = structuredClone(settings);
      for (const c of trimmed.calendars) c.name = c.name.trim();
      for (const p of trimmed.policies.policies) p.name = p.name.trim();
      sla = trimmed;
      // Editing policies recomputes the open tickets' due dates and states.
      for (const t of tickets) if (t.status !== 'resolved' && t.status !== 'closed') reevaluate(t);
      emitChanged();
      return structuredClone(sla);
    },
    async getTicketSla(id) {
      await delay();
      const t = ticket(id);
      const e = evaluate(sla, t, events.get(t.id) ?? initialEvents(t), clock(), true);
      return e.policyId === null ? null : e;
    },
    async getReport(query) {
      await delay();
      return mockReport(query, { tickets, events, sla, now: clock(), tz: me.timezone, stateAt: slaStateAt });
    },
    async exportReportCsv(query, section, path) {
      await delay();
      if (!path.toLowerCase().endsWith('.csv'))
        throw new IpcError({ code: 'invalid_value', message: 'Invalid export path: choose a .csv file' });
      const report = mockReport(query, { tickets, events, sla, now: clock(), tz: me.timezone, stateAt: slaStateAt });
      const rows = sectionRows(report, section);
      reportExports.push({ query, section, path, rows });
      return rows;
    },
    async onTicketsChanged(handler) {
      listeners.add(handler);
      return () => listeners.delete(handler);
    },
    async getSyncStatus() {
      await delay();
      return syncStatus();
    },
    async signIn(serverUrl, email, password) {
      await delay();
      const url = parseUrl(serverUrl.trim());
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
        throw new IpcError({ code: 'invalid_value', message: `Not an http(s) URL: ${serverUrl}` });
      const now = clock();
      sync.failedSignIns = sync.failedSignIns.filter((t) => now - t < MIN);
      if (sync.failedSignIns.length >= 5)
        throw new IpcError({ code: 'rate_limited', message: 'Too many sign-in attempts; try again in a minute' });
      await new Promise((r) => setTimeout(r, Math.min(syncMs, 250)));
      if (url.origin !== MOCK_SERVER_URL && url.origin !== 'http://localhost:7878')
        throw new IpcError({ code: 'offline', message: `Could not connect to ${url.origin}` });
      if (email.trim().toLowerCase() !== MOCK_EMAIL || password !== MOCK_PASSWORD) {
        sync.failedSignIns.push(now);
        throw new IpcError({ code: 'invalid_credentials', message: 'Wrong email or password' });
      }
      sync.signedIn = true;
      sync.reachable = true;
      sync.lastError = null;
      sync.conflicts = [];
      // The first sync starts right away and pushes what was changed locally.
      setTimeout(() => void runSync().catch(() => undefined), 0);
      return session;
    },
    async signOut() {
      await delay();
      if (sync.timer) clearTimeout(sync.timer);
      sync.timer = null;
      sync.signedIn = false;
      sync.pending = 0;
      sync.lastSyncAt = null;
      sync.lastError = null;
      sync.conflicts = [];
      return null;
    },
    async syncNow() {
      await delay();
      return runSync();
    },
    async onSyncStatus(handler) {
      syncListeners.add(handler);
      return () => syncListeners.delete(handler);
    },
    setServerReachable(reachable) {
      sync.reachable = reachable;
    },
    get notificationPrefs() {
      return { ...notificationPrefs };
    },
    async getNotificationPrefs() {
      await delay();
      return { ...notificationPrefs };
    },
    async saveNotificationPrefs(prefs) {
      await delay();
      const keys = Object.keys(DEFAULT_NOTIFICATION_PREFS) as (keyof NotificationPrefs)[];
      const bad = keys.find((k) => typeof prefs[k] !== 'boolean');
      if (bad) throw new IpcError({ code: 'invalid_value', message: `${bad}: invalid type, expected a boolean` });
      notificationPrefs = { ...prefs };
      return { ...notificationPrefs };
    },
    async getNotificationProblem() {
      await delay();
      return notificationProblem;
    },
    async onNotificationsUnavailable(handler) {
      problemListeners.add(handler);
      return () => problemListeners.delete(handler);
    },
    async onOpenTarget(handler) {
      openListeners.add(handler);
      return () => openListeners.delete(handler);
    },
    emitOpenTarget(t) {
      openListeners.forEach((l) => l(t));
    },
    emitNotificationsUnavailable(reason) {
      if (notificationProblem !== null) return;
      notificationProblem = reason;
      problemListeners.forEach((l) => l(reason));
    },
  };
  return backend;
}

const numberLabel = (n: number) => `TKT-${String(n).padStart(3, '0')}`;

/** What a device that has been syncing a while has seen: two lost edits and one rejected change. */
function seedConflicts(tickets: Ticket[], now: number): SyncConflict[] {
  const numbered = tickets.filter((t) => t.number !== null).sort((a, b) => a.number! - b.number!);
  const out: SyncConflict[] = [];
  const waiting = numbered.find((t) => t.status === 'waiting');
  if (waiting)
    out.push({
      kind: 'conflict',
      ticketId: waiting.id,
      ticketNumber: numberLabel(waiting.number!),
      kept: 'status=waiting',
      lost: 'status=resolved',
      at: new Date(now - 26 * MIN).toISOString(),
    });
  const urgent = numbered.find((t) => t.priority === 'urgent' && t !== waiting);
  if (urgent)
    out.push({
      kind: 'conflict',
      ticketId: urgent.id,
      ticketNumber: numberLabel(urgent.number!),
      kept: 'priority=urgent',
      lost: 'priority=high',
      at: new Date(now - 3 * 60 * MIN).toISOString(),
    });
  const other = numbered.find((t) => t !== waiting && t !== urgent);
  if (other)
    out.push({
      kind: 'rejected',
      ticketId: other.id,
      ticketNumber: numberLabel(other.number!),
      kept: 'forbidden',
      lost: 'Only an admin can set a due date manually',
      at: new Date(now - 5 * 60 * MIN).toISOString(),
    });
  return out;
}

/** A generated ticket's SLA history: created (Open), first reply, status change. */
function initialEvents(t: Ticket): SlaEvent[] {
  const created = Date.parse(t.createdAt);
  const out: SlaEvent[] = [{ at: created, kind: 'status', status: 'open' }];
  if (t.firstResponseAt) out.push({ at: Math.max(created, Date.parse(t.firstResponseAt)), kind: 'reply' });
  if (t.status !== 'open') out.push({ at: Math.max(created, Date.parse(t.updatedAt)), kind: 'status', status: t.status });
  return out.sort((a, b) => a.at - b.at);
}

/**
 * Moves active tickets' creation times so that their SLA due dates land near
 * the generated ones (from 2 days ago to 6 days ahead), so every SLA bucket has
 * members while due dates are what the engine computes from the history.
 */
function reshapeForSla(tickets: Ticket[], sla: SlaSettings, now: number) {
  for (const t of tickets) {
    if (!t.dueAt || (t.status !== 'open' && t.status !== 'in_progress' && t.status !== 'waiting')) continue;
    const policy = matchingPolicy(sla, t);
    const calSettings = policy && resolveCalendar(sla, policy);
    if (!policy || !calSettings) continue;
    const cal = compile(calSettings);
    const due = Date.parse(t.dueAt);
    const span = Date.parse(t.updatedAt) - Date.parse(t.createdAt);
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let created: number;
    let updated: number;
    if (t.status === 'open') {
      created = clamp(subBusiness(cal, due, policy.firstResponseMinutes * MIN), now - 60 * 24 * 60 * MIN, now - 5 * MIN);
      updated = created;
    } else if (t.status === 'in_progress') {
      created = clamp(subBusiness(cal, due, policy.resolutionMinutes * MIN), now - 60 * 24 * 60 * MIN, now - 30 * MIN);
      updated = clamp(created + 20 * MIN + span, created + 20 * MIN, now);
    } else {
      const target = policy.resolutionMinutes * MIN;
      updated = now - 10 * MIN - (span % (3 * 24 * 60 * MIN));
      const elapsed = due > now ? target - businessMs(cal, now, due) : target + businessMs(cal, due, updated);
      created = subBusiness(cal, updated, Math.max(elapsed, 10 * MIN));
    }
    created = Math.floor(created / MIN) * MIN;
    updated = Math.max(created, Math.floor(updated / MIN) * MIN);
    t.createdAt = new Date(created).toISOString();
    t.updatedAt = new Date(updated).toISOString();
    t.firstResponseAt = t.status === 'open' ? null : new Date(Math.min(created + 20 * MIN, updated)).toISOString();
  }
}
