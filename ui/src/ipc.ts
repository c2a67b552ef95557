//! The one module that talks to the Tauri shell. Components never call `invoke`
//! directly: they call the functions exported here, typed with the generated
//! bindings. When the page runs outside Tauri (a plain browser, Vitest,
//! Playwright) or with `?mock` in the URL, the same interface is served by the
//! in-memory mock backend in `./mock`.
//!
//! Words used here:
//! - *backend*: an implementation of [`Backend`] (Tauri IPC or the mock).
//! - *IpcError*: a rejected call, always carrying the shell's `{code, message}`.

import type {
  BoardPage,
  BulkOutcome,
  ConversationStatus,
  EscalationInput,
  InboxQuery,
  MessageAuthor,
  NewConversationInput,
  Rule,
  RuleSet,
  BulkSelection,
  Comment,
  ErrorDto,
  GeneratedSummary,
  HistoryEvent,
  KbArticle,
  KbArticleInput,
  KbHit,
  NewTicket,
  Report,
  ReportQuery,
  ReportSection,
  Session,
  SlaEvaluation,
  SlaSettings,
  StatusCounts,
  TargetEvaluation,
  TicketCard,
  TicketDetail,
  TicketId,
  TicketInsights,
  TicketPatch,
  TicketQuery,
  UndoOutcome,
} from './bindings';
import { tauriInboxBackend, type InboxBackend } from './inboxIpc';

/** Who is signed in and the workspace vocabulary the board resolves ids with. */
export type { Session };

/** A board page as the UI uses it (totals are plain numbers on the wire). */
export type Page = BoardPage;
/** Status counts by status. */
export type Counts = StatusCounts;

type MinuteFields = 'elapsedMinutes' | 'remainingMinutes' | 'overdueMinutes';
/**
 * A target as the UI uses it. The generated type says `bigint` for the `i64`
 * minute counts, but JSON carries plain numbers; [`toNumber`] normalises either.
 */
export type TargetView = Omit<TargetEvaluation, MinuteFields> & { [K in MinuteFields]: number };
/** A ticket's SLA evaluation with [`TargetView`] targets. */
export type SlaView = Omit<SlaEvaluation, 'firstResponse' | 'resolution'> & {
  firstResponse: TargetView | null;
  resolution: TargetView | null;
};
/** What `get_ticket_sla` may carry: minute counts as numbers or bigints. */
export type WireTarget = Omit<TargetEvaluation, MinuteFields> & { [K in MinuteFields]: number | bigint };
export type WireSlaEvaluation = Omit<SlaEvaluation, 'firstResponse' | 'resolution'> & {
  firstResponse: WireTarget | null;
  resolution: WireTarget | null;
};

/**
 * One merge outcome the user should know about: a `conflict` (a concurrent
 * edit lost to another one; `kept`/`lost` are `field=value`) or a `rejected`
 * mutation (`kept` = the reason code, `lost` = the reason message).
 */
export type SyncConflict = {
  kind: 'conflict' | 'rejected';
  ticketId: string | null;
  ticketNumber: string | null;
  kept: string | null;
  lost: string | null;
  at: string;
};

/** The background sync's state; `get_sync_status` answers `null` in local-only mode. */
export type SyncStatus = {
  state: 'online' | 'offline' | 'syncing';
  /** Local changes not yet acknowledged by the server. */
  pending: number;
  lastSyncAt: string | null;
  lastError: string | null;
  conflicts: SyncConflict[];
};

/** What the agent wants to hear about (Settings > Notifications); stored on this device. */
export type NotificationPrefs = {
  /** SLA alerts for tickets assigned to me. */
  myTickets: boolean;
  /** SLA alerts for unassigned Urgent and High tickets. */
  unassignedUrgentHigh: boolean;
  /** Outside the business calendar, only Urgent tickets alert. */
  quietOutsideBusinessHours: boolean;
  /** Comments that @mention me. */
  mentions: boolean;
  /** Tickets assigned to me by someone else. */
  assignments: boolean;
  /** Closing the window keeps Outpost running in the tray. */
  keepInTray: boolean;
};

/** What a notification (or the tray) asks the UI to open. */
export type OpenTarget = { kind: 'ticket'; ticketId: string } | { kind: 'board'; sla: 'at_risk' | 'overdue' };

/** Everything the UI can ask of the desktop shell. */
export interface Backend extends InboxBackend {
  getSession(): Promise<Session>;
  listTickets(query: TicketQuery, cursor: string | null, limit: number): Promise<BoardPage>;
  ticketStats(query: TicketQuery): Promise<StatusCounts>;
  getTicket(id: TicketId): Promise<TicketDetail>;
  listComments(ticketId: TicketId): Promise<Comment[]>;
  listHistory(ticketId: TicketId): Promise<HistoryEvent[]>;
  updateTicket(id: TicketId, patch: TicketPatch): Promise<TicketCard>;
  addComment(ticketId: TicketId, body: string): Promise<Comment>;
  createTicket(ticket: NewTicket): Promise<TicketCard>;
  /** `batchId` undoes the change (`null` when nothing changed). */
  bulkUpdateTickets(selection: BulkSelection, patch: TicketPatch): Promise<BulkOutcome>;
  /** Errors: `not_found` (unknown or too old), `already_undone`, `invalid_value`. */
  undoBulkUpdate(batchId: string): Promise<UndoOutcome>;
  exportTicketsCsv(selection: BulkSelection, path: string): Promise<number>;
  /** Opens the native save dialog; resolves to the chosen path or `null` if cancelled. */
  chooseCsvPath(defaultName: string): Promise<string | null>;
  getSlaSettings(): Promise<SlaSettings>;
  /** Admin only (`forbidden` otherwise); `invalid_value` / `empty_field` on bad settings. */
  saveSlaSettings(settings: SlaSettings): Promise<SlaSettings>;
  /** `null` when no policy applies to the ticket. */
  getTicketSla(id: TicketId): Promise<WireSlaEvaluation | null>;
  /** The Reports view's numbers, computed on this device; `invalid_value` on a bad period. */
  getReport(query: ReportQuery): Promise<Report>;
  /** Writes one report section's numbers as CSV to `path`; resolves to the rows written. */
  exportReportCsv(query: ReportQuery, section: ReportSection, path: string): Promise<number>;
  /** Calls `handler` on every `tickets-changed` event; resolves to an unsubscribe. */
  onTicketsChanged(handler: () => void): Promise<() => void>;
  /** `null` = local-only mode (not signed in to a server). */
  getSyncStatus(): Promise<SyncStatus | null>;
  /** Errors: `invalid_credentials`, `offline`, `invalid_value` (bad URL), `rate_limited`. */
  signIn(serverUrl: string, email: string, password: string): Promise<Session>;
  /** Back to local-only mode; local data is kept. */
  signOut(): Promise<null>;
  syncNow(): Promise<SyncStatus>;
  /** Calls `handler` with the status after every sync attempt (`sync-status`). */
  onSyncStatus(handler: (s: SyncStatus) => void): Promise<() => void>;
  getNotificationPrefs(): Promise<NotificationPrefs>;
  /** `invalid_value` on a malformed value. */
  saveNotificationPrefs(prefs: NotificationPrefs): Promise<NotificationPrefs>;
  /** Why desktop notifications cannot be shown; `null` when they can (as far as known). */
  getNotificationProblem(): Promise<string | null>;
  /** Calls `handler` with the reason when notifications turn out unavailable (`notifications-unavailable`). */
  onNotificationsUnavailable(handler: (reason: string) => void): Promise<() => void>;
  /** Calls `handler` when a notification or the tray asks to open something (`open-target`). */
  onOpenTarget(handler: (t: OpenTarget) => void): Promise<() => void>;
  /** Knowledge base: every word as a prefix, best first; `''` lists by title. */
  searchKb(query: string, limit: number): Promise<KbHit[]>;
  getKbArticle(id: string): Promise<KbArticle>;
  /** Admin only (`forbidden` otherwise); `id = null` creates. */
  saveKbArticle(id: string | null, article: KbArticleInput): Promise<KbArticle>;
  deleteKbArticle(id: string): Promise<null>;
  /** The AI Insights tab's local analysis of one ticket. */
  getTicketInsights(id: TicketId): Promise<TicketInsights>;
  /** Opens an http(s) link in the system browser (`invalid_value` otherwise). */
  openExternalLink(url: string): Promise<null>;
  /** A summary generated on the server (online only: `offline`, `ai_not_configured`); cached here. */
  requestTicketSummary(id: TicketId): Promise<GeneratedSummary>;
}

/** A failed call, with the stable `code` the UI branches on. */
export class IpcError extends Error implements ErrorDto {
  readonly code: string;
  constructor(dto: ErrorDto) {
    super(dto.message);
    this.name = 'IpcError';
    this.code = dto.code;
  }
}

/** Turns whatever a rejected call carried into an [`IpcError`]. */
export function toIpcError(e: unknown): IpcError {
  if (e instanceof IpcError) return e;
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const o = e as { code: unknown; message: unknown };
    return new IpcError({ code: String(o.code), message: String(o.message) });
  }
  if (typeof e === 'string') return new IpcError({ code: 'unknown', message: e });
  if (e instanceof Error) return new IpcError({ code: 'unknown', message: e.message });
  return new IpcError({ code: 'unknown', message: 'Something went wrong' });
}

function toNumber(n: number | bigint): number {
  return Number(n);
}

function toTargetView(t: WireTarget | null): TargetView | null {
  if (!t) return null;
  return {
    ...t,
    elapsedMinutes: toNumber(t.elapsedMinutes),
    remainingMinutes: toNumber(t.remainingMinutes),
    overdueMinutes: toNumber(t.overdueMinutes),
  };
}

/** How many IPC calls get a performance measure (see `tauriBackend`). */
const MAX_IPC_MEASURES = 200;
let ipcMeasures = 0;

/** The Tauri implementation: one `invoke` per command, camelCase arguments. */
export function tauriBackend(): Backend {
  const call = async <T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> => {
    const start = performance.now();
    const { invoke } = await import('@tauri-apps/api/core');
    try {
      return await invoke<T>(cmd, args);
    } finally {
      // An `ipc:<command>` measure for each of the first calls: the
      // benchmarks read them to say where the time before the first cards
      // went (bounded, so a long session does not grow the timeline).
      if (ipcMeasures < MAX_IPC_MEASURES) {
        ipcMeasures += 1;
        performance.measure(`ipc:${cmd}`, { start, end: performance.now() });
      }
    }
  };
  return {
    getSession: () => call('get_session'),
    listTickets: (query, cursor, limit) => call('list_tickets', { query, cursor, limit }),
    ticketStats: (query) => call('ticket_stats', { query }),
    getTicket: (id) => call('get_ticket', { id }),
    listComments: (ticketId) => call('list_comments', { ticketId }),
    listHistory: (ticketId) => call('list_history', { ticketId }),
    updateTicket: (id, patch) => call('update_ticket', { id, patch }),
    addComment: (ticketId, body) => call('add_comment', { ticketId, body }),
    createTicket: (ticket) => call('create_ticket', { ticket }),
    bulkUpdateTickets: (selection, patch) => call('bulk_update_tickets', { selection, patch }),
    undoBulkUpdate: (batchId) => call('undo_bulk_update', { batchId }),
    exportTicketsCsv: (selection, path) => call('export_tickets_csv', { selection, path }),
    getSlaSettings: () => call('get_sla_settings'),
    saveSlaSettings: (settings) => call('save_sla_settings', { settings }),
    getTicketSla: (id) => call('get_ticket_sla', { id }),
    getReport: (query) => call('get_report', { query }),
    exportReportCsv: (query, section, path) => call('export_report_csv', { query, section, path }),
    async chooseCsvPath(defaultName) {
      const { save } = await import('@tauri-apps/plugin-dialog');
      return save({ defaultPath: defaultName, filters: [{ name: 'CSV', extensions: ['csv'] }] });
    },
    async onTicketsChanged(handler) {
      const { listen } = await import('@tauri-apps/api/event');
      return listen('tickets-changed', () => handler());
    },
    getSyncStatus: () => call('get_sync_status'),
    signIn: (serverUrl, email, password) => call('sign_in', { serverUrl, email, password }),
    signOut: () => call('sign_out'),
    syncNow: () => call('sync_now'),
    async onSyncStatus(handler) {
      const { listen } = await import('@tauri-apps/api/event');
      return listen<SyncStatus>('sync-status', (e) => handler(e.payload));
    },
    getNotificationPrefs: () => call('get_notification_prefs'),
    saveNotificationPrefs: (prefs) => call('save_notification_prefs', { prefs }),
    getNotificationProblem: () => call('get_notification_problem'),
    async onNotificationsUnavailable(handler) {
      const { listen } = await import('@tauri-apps/api/event');
      return listen<string>('notifications-unavailable', (e) => handler(e.payload));
    },
    async onOpenTarget(handler) {
      const { listen } = await import('@tauri-apps/api/event');
      return listen<OpenTarget>('open-target', (e) => handler(e.payload));
    },
    ...tauriInboxBackend(call),
    searchKb: (query, limit) => call('search_kb', { query, limit }),
    getKbArticle: (id) => call('get_kb_article', { id }),
    saveKbArticle: (id, article) => call('save_kb_article', { id, article }),
    deleteKbArticle: (id) => call('delete_kb_article', { id }),
    getTicketInsights: (id) => call('get_ticket_insights', { id }),
    openExternalLink: (url) => call('open_external_link', { url }),
    requestTicketSummary: (id) => call('request_ticket_summary', { id }),
  };
}

/** Whether the page should use the mock backend. */
export function wantsMock(win: Window = window): boolean {
  const params = new URLSearchParams(win.location.search);
  return params.has('mock') || !('__TAURI_INTERNALS__' in win);
}

let backend: Backend | null = null;

/** Installs the backend every call goes through (tests install a mock). */
export function installBackend(b: Backend): void {
  backend = b;
}

/** Picks and installs the backend for this page: Tauri, or the mock. */
export async function initBackend(): Promise<Backend> {
  if (backend) return backend;
  if (wantsMock()) {
    const { createMockBackend, mockOptionsFromUrl } = await import('./mock');
    backend = createMockBackend(mockOptionsFromUrl(window.location.search));
  } else {
    backend = tauriBackend();
  }
  return backend;
}

function be(): Backend {
  if (!backend) throw new IpcError({ code: 'not_ready', message: 'IPC backend not initialised' });
  return backend;
}

async function wrap<T>(p: () => Promise<T>): Promise<T> {
  try {
    return await p();
  } catch (e) {
    throw toIpcError(e);
  }
}

export const getSession = () => wrap(() => be().getSession());
export const listTickets = (query: TicketQuery, cursor: string | null, limit: number) =>
  wrap(async (): Promise<Page> => {
    const p = await be().listTickets(query, cursor, limit);
    return { ...p, total: toNumber(p.total) };
  });
export const ticketStats = (query: TicketQuery) =>
  wrap(async (): Promise<Counts> => {
    const c = await be().ticketStats(query);
    return {
      open: toNumber(c.open),
      inProgress: toNumber(c.inProgress),
      waiting: toNumber(c.waiting),
      resolved: toNumber(c.resolved),
      closed: toNumber(c.closed),
    };
  });
export const getTicket = (id: TicketId) => wrap(() => be().getTicket(id));
export const listComments = (ticketId: TicketId) => wrap(() => be().listComments(ticketId));
export const listHistory = (ticketId: TicketId) => wrap(() => be().listHistory(ticketId));
export const updateTicket = (id: TicketId, patch: TicketPatch) =>
  wrap(() => be().updateTicket(id, patch));
export const addComment = (ticketId: TicketId, body: string) =>
  wrap(() => be().addComment(ticketId, body));
export const createTicket = (ticket: NewTicket) => wrap(() => be().createTicket(ticket));
export const bulkUpdateTickets = (selection: BulkSelection, patch: TicketPatch) =>
  wrap(async () => {
    const o = await be().bulkUpdateTickets(selection, patch);
    return { changed: toNumber(o.changed), batchId: o.batchId };
  });
export const undoBulkUpdate = (batchId: string) =>
  wrap(async () => {
    const o = await be().undoBulkUpdate(batchId);
    return { restored: toNumber(o.restored), kept: toNumber(o.kept) };
  });
export const exportTicketsCsv = (selection: BulkSelection, path: string) =>
  wrap(async () => toNumber(await be().exportTicketsCsv(selection, path)));
export const chooseCsvPath = (defaultName: string) =>
  wrap(() => be().chooseCsvPath(defaultName));
export const getSlaSettings = () => wrap(() => be().getSlaSettings());
export const saveSlaSettings = (settings: SlaSettings) => wrap(() => be().saveSlaSettings(settings));
export const getTicketSla = (id: TicketId) =>
  wrap(async (): Promise<SlaView | null> => {
    const e = await be().getTicketSla(id);
    if (!e) return null;
    return { ...e, firstResponse: toTargetView(e.firstResponse), resolution: toTargetView(e.resolution) };
  });
export const getReport = (query: ReportQuery) => wrap(() => be().getReport(query));
export const exportReportCsv = (query: ReportQuery, section: ReportSection, path: string) =>
  wrap(async () => toNumber(await be().exportReportCsv(query, section, path)));
export const onTicketsChanged = (handler: () => void) =>
  wrap(() => be().onTicketsChanged(handler));
export const getSyncStatus = () => wrap(() => be().getSyncStatus());
export const signIn = (serverUrl: string, email: string, password: string) =>
  wrap(() => be().signIn(serverUrl, email, password));
export const signOut = () => wrap(() => be().signOut());
export const syncNow = () => wrap(() => be().syncNow());
export const onSyncStatus = (handler: (s: SyncStatus) => void) => wrap(() => be().onSyncStatus(handler));
export const getNotificationPrefs = () => wrap(() => be().getNotificationPrefs());
export const saveNotificationPrefs = (prefs: NotificationPrefs) => wrap(() => be().saveNotificationPrefs(prefs));
export const getNotificationProblem = () => wrap(() => be().getNotificationProblem());
export const onNotificationsUnavailable = (handler: (reason: string) => void) =>
  wrap(() => be().onNotificationsUnavailable(handler));
export const onOpenTarget = (handler: (t: OpenTarget) => void) => wrap(() => be().onOpenTarget(handler));

export const listConversations = (query: InboxQuery) => wrap(() => be().listConversations(query));
export const getConversation = (id: string) => wrap(() => be().getConversation(id));
export const logConversation = (input: NewConversationInput) => wrap(() => be().logConversation(input));
export const addConversationMessage = (id: string, author: MessageAuthor, body: string) =>
  wrap(() => be().addConversationMessage(id, author, body));
export const setConversationStatus = (id: string, status: ConversationStatus) =>
  wrap(() => be().setConversationStatus(id, status));
export const escalationDraft = (id: string) => wrap(() => be().escalationDraft(id));
export const escalateConversation = (id: string, input: EscalationInput) =>
  wrap(() => be().escalateConversation(id, input));
export const getRules = () => wrap(() => be().getRules());
export const saveRules = (rules: RuleSet) => wrap(() => be().saveRules(rules));
export const dryRunRule = (rule: Rule) => wrap(() => be().dryRunRule(rule));
export const searchKb = (query: string, limit = 50) => wrap(() => be().searchKb(query, limit));
export const getKbArticle = (id: string) => wrap(() => be().getKbArticle(id));
export const saveKbArticle = (id: string | null, article: KbArticleInput) =>
  wrap(() => be().saveKbArticle(id, article));
export const deleteKbArticle = (id: string) => wrap(() => be().deleteKbArticle(id));
export const getTicketInsights = (id: TicketId) => wrap(() => be().getTicketInsights(id));
export const openExternalLink = (url: string) => wrap(() => be().openExternalLink(url));
export const requestTicketSummary = (id: TicketId) => wrap(() => be().requestTicketSummary(id));
