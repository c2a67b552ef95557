//! The Inbox: conversations with unread state, last message and waiting time,
//! a search and channel/status filters, a reading pane with the thread and a
//! reply box, snooze/close, logging a phone call or walk-in, and "Create
//! ticket" (prefilled from the thread) which opens the new linked ticket.
//! Everything works offline: the store queues each change for sync.

import { useCallback, useEffect, useState } from 'react';
import type {
  Channel,
  ConversationStatus,
  ConversationSummary,
  ConversationThread,
  EscalationInput,
  InboxQuery,
  MessageAuthor,
  NewConversationInput,
  Priority,
} from '../bindings';
import {
  addConversationMessage,
  escalateConversation,
  escalationDraft,
  getConversation,
  listConversations,
  logConversation,
  onTicketsChanged,
  setConversationStatus,
  toIpcError,
} from '../ipc';
import { useSession } from '../lib/session';
import { formatExact, relativeTime } from '../lib/format';
import { useNow } from '../lib/hooks';
import { FormDialog } from './FormDialog';
import { InboxIcon, SearchIcon } from './Icons';
import { AgentOptions, CategoryOptions, PriorityOptions } from './Options';
import { ToggleChips } from './ToggleChips';
import '../inbox.css';

export const CHANNELS: readonly Channel[] = ['email', 'chat', 'phone', 'web'];
export const CHANNEL_LABEL: Record<Channel, string> = { email: 'Email', chat: 'Chat', phone: 'Phone', web: 'Web form' };
const STATUSES: readonly ConversationStatus[] = ['open', 'snoozed', 'closed'];
const STATUS_LABEL: Record<ConversationStatus, string> = { open: 'Open', snoozed: 'Snoozed', closed: 'Closed' };

type Props = {
  /** A conversation to open (from a ticket's "Link to conversation"). */
  openId?: string | null;
  /** Opens a ticket on the board. */
  onOpenTicket: (ticketId: string) => void;
};

function waitingText(since: string | null, now: number): string | null {
  if (!since) return null;
  const mins = Math.max(0, Math.floor((now - Date.parse(since)) / 60_000));
  if (mins < 60) return `waiting ${mins} min`;
  const h = Math.floor(mins / 60);
  if (h < 48) return `waiting ${h} h ${mins % 60} min`;
  return `waiting ${Math.floor(h / 24)} days`;
}

export function InboxView({ openId = null, onOpenTicket }: Props) {
  const now = useNow(30_000);
  const [query, setQuery] = useState<InboxQuery>({ search: '', channels: [], statuses: ['open'] });
  const [search, setSearch] = useState('');
  const [items, setItems] = useState<ConversationSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(openId);
  const [logging, setLogging] = useState(false);

  const reload = useCallback(async () => {
    try {
      setItems(await listConversations(query));
      setError(null);
    } catch (e) {
      setError(toIpcError(e).message);
    }
  }, [query]);

  useEffect(() => {
    void reload();
    let unlisten: (() => void) | null = null;
    let gone = false;
    void onTicketsChanged(() => void reload()).then((u) => {
      if (gone) u();
      else unlisten = u;
    });
    return () => {
      gone = true;
      unlisten?.();
    };
  }, [reload]);

  useEffect(() => {
    const t = setTimeout(() => setQuery((q) => (q.search === search ? q : { ...q, search })), 200);
    return () => clearTimeout(t);
  }, [search]);

  return (
    <main className="inbox" aria-labelledby="inbox-title">
      <section className="inbox-list" aria-label="Conversations">
        <header className="inbox-head">
          <div className="inbox-title-row">
            <h1 id="inbox-title">Inbox</h1>
            <button type="button" className="button primary" onClick={() => setLogging(true)}>
              Log call or walk-in
            </button>
          </div>
          <label className="search">
            <SearchIcon />
            <input
              type="search"
              placeholder="Search conversations"
              aria-label="Search conversations"
              value={search}
              maxLength={200}
              onChange={(e) => setSearch(e.target.value)}
            />
          </label>
          <ToggleChips
            label="Channel"
            options={CHANNELS.map((c) => [c, CHANNEL_LABEL[c]] as const)}
            value={query.channels}
            onChange={(channels) => setQuery((q) => ({ ...q, channels }))}
          />
          <ToggleChips
            label="Status"
            options={STATUSES.map((st) => [st, STATUS_LABEL[st]] as const)}
            value={query.statuses}
            onChange={(statuses) => setQuery((q) => ({ ...q, statuses }))}
          />
        </header>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {items === null && !error && <p className="muted pad">Loading…</p>}
        {items && items.length === 0 && (
          <div className="empty small" data-testid="inbox-empty">
            <div className="empty-icon">
              <InboxIcon size={24} />
            </div>
            <p>No conversations match.</p>
          </div>
        )}
        <ul className="conv-list">
          {items?.map((s) => {
            const c = s.conversation;
            const wait = waitingText(s.waitingSince, now);
            return (
              <li key={c.id}>
                <button
                  type="button"
                  className={`conv-row${c.id === selected ? ' is-current' : ''}${s.unread ? ' is-unread' : ''}`}
                  aria-current={c.id === selected ? 'true' : undefined}
                  data-testid="conv-row"
                  onClick={() => {
                    setSelected(c.id);
                    // Opening the thread marks it read in the store too.
                    setItems((all) => all && all.map((x) => (x.conversation.id === c.id ? { ...x, unread: false } : x)));
                  }}
                >
                  <span className="conv-top">
                    {s.unread && <span className="unread-dot" aria-label="Unread" />}
                    <strong className="conv-customer">{c.customerName}</strong>
                    <span className="muted small" title={formatExact(c.lastMessageAt)}>
                      {relativeTime(c.lastMessageAt, now)}
                    </span>
                  </span>
                  <span className="conv-subject">{c.subject}</span>
                  <span className="muted small conv-preview">
                    {s.lastAuthor === 'agent' ? 'You: ' : ''}
                    {s.lastMessage ?? 'No messages yet'}
                  </span>
                  <span className="conv-tags">
                    <span className="tag">{CHANNEL_LABEL[c.channel]}</span>
                    {c.status !== 'open' && <span className="tag">{STATUS_LABEL[c.status]}</span>}
                    {s.ticketLabel && <span className="tag tag-ticket">{s.ticketLabel}</span>}
                    {wait && c.status === 'open' && <span className="tag tag-wait">{wait}</span>}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      </section>
      {selected ? (
        <ThreadPane key={selected} id={selected} now={now} onOpenTicket={onOpenTicket} onChanged={() => void reload()} />
      ) : (
        <section className="thread thread-empty" aria-label="Conversation">
          <p className="muted">Select a conversation to read it.</p>
        </section>
      )}
      {logging && (
        <LogDialog
          onClose={() => setLogging(false)}
          onLogged={(id) => {
            setLogging(false);
            setSelected(id);
            void reload();
          }}
        />
      )}
    </main>
  );
}

function ThreadPane({
  id,
  now,
  onOpenTicket,
  onChanged,
}: {
  id: string;
  now: number;
  onOpenTicket: (ticketId: string) => void;
  onChanged: () => void;
}) {
  const [thread, setThread] = useState<ConversationThread | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reply, setReply] = useState('');
  const [author, setAuthor] = useState<MessageAuthor>('agent');
  const [busy, setBusy] = useState(false);
  const [escalating, setEscalating] = useState(false);

  const load = useCallback(async () => {
    try {
      setThread(await getConversation(id));
    } catch (e) {
      setError(toIpcError(e).message);
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  if (error && !thread)
    return (
      <section className="thread" aria-label="Conversation">
        <p className="form-error" role="alert">
          {error}
        </p>
      </section>
    );
  if (!thread)
    return (
      <section className="thread" aria-label="Conversation">
        <p className="muted">Loading…</p>
      </section>
    );
  const c = thread.conversation;

  const send = async () => {
    setBusy(true);
    try {
      await addConversationMessage(id, author, reply);
      setReply('');
      setError(null);
      await load();
      onChanged();
    } catch (e) {
      setError(toIpcError(e).message);
    } finally {
      setBusy(false);
    }
  };
  const status = async (s: ConversationStatus) => {
    try {
      await setConversationStatus(id, s);
      await load();
      onChanged();
    } catch (e) {
      setError(toIpcError(e).message);
    }
  };

  return (
    <section className="thread" aria-labelledby="thread-title">
      <header className="thread-head">
        <div>
          <h2 id="thread-title">{c.subject}</h2>
          <div className="muted small">
            {c.customerName}
            {c.customerContact ? ` · ${c.customerContact}` : ''} · {CHANNEL_LABEL[c.channel]} · {STATUS_LABEL[c.status]}
          </div>
        </div>
        <div className="thread-actions">
          {thread.ticket ? (
            <button type="button" className="button" onClick={() => onOpenTicket(thread.ticket!.ticket.id)}>
              Open {thread.ticket.displayNumber}
            </button>
          ) : (
            <button type="button" className="button primary" onClick={() => setEscalating(true)}>
              Create ticket
            </button>
          )}
          {c.status !== 'snoozed' && (
            <button type="button" className="button" onClick={() => void status('snoozed')}>
              Snooze
            </button>
          )}
          {c.status !== 'closed' ? (
            <button type="button" className="button" onClick={() => void status('closed')}>
              Close
            </button>
          ) : (
            <button type="button" className="button" onClick={() => void status('open')}>
              Reopen
            </button>
          )}
        </div>
      </header>
      <ol className="messages" aria-label="Messages">
        {thread.messages.map((m) => (
          <li key={m.id} className={`message message-${m.author}`}>
            <div className="message-meta muted small">
              <strong>{m.author === 'customer' ? c.customerName : 'Agent'}</strong>{' '}
              <span title={formatExact(m.at)}>{relativeTime(m.at, now)}</span>
            </div>
            <p className="message-body">{m.body}</p>
          </li>
        ))}
        {thread.messages.length === 0 && <li className="muted">No messages yet.</li>}
      </ol>
      <form
        className="reply"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label className="visually-hidden" htmlFor="reply-body">
          Reply
        </label>
        <textarea
          id="reply-body"
          rows={3}
          maxLength={65536}
          placeholder={author === 'agent' ? 'Write a reply…' : 'Note what the customer said…'}
          value={reply}
          onChange={(e) => setReply(e.target.value)}
        />
        <div className="reply-bar">
          <select aria-label="Message from" value={author} onChange={(e) => setAuthor(e.target.value as MessageAuthor)}>
            <option value="agent">Reply as agent</option>
            <option value="customer">Customer said</option>
          </select>
          {error && (
            <span className="form-error" role="alert">
              {error}
            </span>
          )}
          <button type="submit" className="button primary" disabled={busy || reply.trim() === ''}>
            {author === 'agent' ? 'Send reply' : 'Add note'}
          </button>
        </div>
      </form>
      {escalating && (
        <EscalateDialog
          id={id}
          onClose={() => setEscalating(false)}
          onCreated={(ticketId) => {
            setEscalating(false);
            void load();
            onChanged();
            onOpenTicket(ticketId);
          }}
        />
      )}
    </section>
  );
}

function EscalateDialog({
  id,
  onClose,
  onCreated,
}: {
  id: string;
  onClose: () => void;
  onCreated: (ticketId: string) => void;
}) {
  const session = useSession();
  const [draft, setDraft] = useState<EscalationInput | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    escalationDraft(id)
      .then(setDraft)
      .catch((e) => setError(toIpcError(e).message));
  }, [id]);
  const submit = async () => {
    if (!draft) return;
    setBusy(true);
    try {
      const card = await escalateConversation(id, draft);
      onCreated(card.ticket.id);
    } catch (e) {
      setError(toIpcError(e).message);
      setBusy(false);
    }
  };
  const set = (change: Partial<EscalationInput>) => setDraft((d) => d && { ...d, ...change });
  return (
    <FormDialog
      title="Create ticket"
      titleId="escalate-title"
      onClose={onClose}
      onSubmit={() => void submit()}
      error={error}
      submitLabel={busy ? 'Creating…' : 'Create ticket'}
      submitDisabled={busy || !draft || draft.title.trim() === ''}
      ready={draft !== null}
    >
      {draft && (
        <>
          <label>
            Title
            <input value={draft.title} maxLength={300} required onChange={(e) => set({ title: e.target.value })} />
          </label>
          <label>
            Description
            <textarea rows={6} value={draft.description} onChange={(e) => set({ description: e.target.value })} />
          </label>
          <label>
            Priority
            <select value={draft.priority} onChange={(e) => set({ priority: e.target.value as Priority })}>
              <PriorityOptions />
            </select>
          </label>
          <label>
            Category
            <select value={draft.categoryId ?? ''} onChange={(e) => set({ categoryId: e.target.value || null })}>
              <option value="">None</option>
              <CategoryOptions categories={session.categories} />
            </select>
          </label>
          <label>
            Assignee
            <select value={draft.assigneeId ?? ''} onChange={(e) => set({ assigneeId: e.target.value || null })}>
              <option value="">Unassigned</option>
              <AgentOptions agents={session.agents} />
            </select>
          </label>
        </>
      )}
    </FormDialog>
  );
}

function LogDialog({ onClose, onLogged }: { onClose: () => void; onLogged: (id: string) => void }) {
  const [input, setInput] = useState<NewConversationInput>({
    channel: 'phone',
    customerName: '',
    customerContact: '',
    subject: '',
    body: '',
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    try {
      const t = await logConversation(input);
      onLogged(t.conversation.id);
    } catch (e) {
      setError(toIpcError(e).message);
      setBusy(false);
    }
  };
  const set = (change: Partial<NewConversationInput>) => setInput((i) => ({ ...i, ...change }));
  return (
    <FormDialog
      title="Log a call or walk-in"
      titleId="log-title"
      onClose={onClose}
      onSubmit={() => void submit()}
      error={error}
      submitLabel={busy ? 'Saving…' : 'Log conversation'}
      submitDisabled={busy}
    >
      <label>
        Channel
        <select value={input.channel} onChange={(e) => set({ channel: e.target.value as Channel })}>
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {CHANNEL_LABEL[c]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Customer name
        <input value={input.customerName} maxLength={320} onChange={(e) => set({ customerName: e.target.value })} />
      </label>
      <label>
        Email or phone
        <input value={input.customerContact} maxLength={320} onChange={(e) => set({ customerContact: e.target.value })} />
      </label>
      <label>
        Subject
        <input value={input.subject} maxLength={300} onChange={(e) => set({ subject: e.target.value })} />
      </label>
      <label>
        What the customer said
        <textarea rows={4} value={input.body} onChange={(e) => set({ body: e.target.value })} />
      </label>
    </FormDialog>
  );
}
