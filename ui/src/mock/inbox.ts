//! The mock backend's Inbox and workflow rules: conversations (the seeded
//! ones linked to tickets plus a few unlinked ones waiting for an agent),
//! messages, read state, escalation through the mock's own `createTicket`,
//! and rules with a dry run that follows outpost-core's `rules` conditions.

import type {
  Condition,
  Conversation,
  ConversationSummary,
  DryRunMatch,
  EscalationInput,
  Message,
  NewTicket,
  Rule,
  RuleSet,
  TicketCard,
} from '../bindings';
import { IpcError } from '../ipc';
import type { InboxBackend } from '../inboxIpc';
import { mockId } from './data';

const MIN = 60_000;

type Deps = {
  conversations: Map<string, Conversation>;
  clock: () => number;
  me: { id: string; role: string };
  delay: () => Promise<void>;
  emitChanged: () => void;
  createTicket: (t: NewTicket) => Promise<TicketCard>;
  ticketCard: (id: string) => TicketCard | null;
};

/** Unlinked conversations every mock starts with (also on an empty board). */
const FRESH: [Conversation['channel'], string, string, string, string][] = [
  ['email', 'Priya Natarajan', 'priya@northwind.example', 'Invoice shows the wrong VAT rate', 'Our March invoice charges 21% VAT but we are exempt. Can you fix it?'],
  ['chat', 'Tom Becker', 'tom@lumen.example', 'Cannot log in after password reset', 'I reset my password an hour ago and the login page still says invalid.'],
  ['phone', 'Walk-in: Aiko Sato', '+81 90 1234 5678', 'Printer on floor 3 jams', 'Called about the floor 3 printer jamming on every job.'],
  ['web', 'Marta Silva', 'marta@acme.example', 'Outage: dashboard not loading', 'Since 9:00 the dashboard shows a blank page for all our users. #urgent'],
];

function has(text: string, words: string[]): boolean {
  const t = text.toLowerCase();
  return words.some((w) => t.includes(w.toLowerCase()));
}

/** Whether a condition holds for a conversation (tickets are not looked at here). */
function holds(c: Condition, conv: Conversation, messages: Message[]): boolean {
  const body = messages.filter((m) => m.author === 'customer').map((m) => m.body).join('\n');
  switch (c.field) {
    case 'channel':
      return c.anyOf.includes(conv.channel);
    case 'subject_contains':
      return has(conv.subject, c.words);
    case 'body_contains':
      return has(body, c.words);
    case 'email_domain': {
      const at = conv.customerContact.lastIndexOf('@');
      if (at < 0) return false;
      const d = conv.customerContact.slice(at + 1).toLowerCase();
      return c.domains.some((x) => d === x.toLowerCase() || d.endsWith(`.${x.toLowerCase()}`));
    }
    case 'tags':
      return c.anyOf.some((t) => new RegExp(`#${t}\\b`, 'i').test(`${conv.subject} ${body}`));
    default:
      return false;
  }
}

export function ruleMatches(rule: Rule, conv: Conversation, messages: Message[]): boolean {
  if (rule.conditions.length === 0) return true;
  return rule.matchMode === 'any'
    ? rule.conditions.some((c) => holds(c, conv, messages))
    : rule.conditions.every((c) => holds(c, conv, messages));
}

export function createMockInbox(d: Deps): InboxBackend {
  const messages = new Map<string, Message[]>();
  const readAt = new Map<string, number>();
  let seq = 0;
  let rules: RuleSet = { rules: [], updatedAt: null };
  const now = d.clock();
  FRESH.forEach(([channel, name, contact, subject, body], i) => {
    const id = mockId(6, i + 1);
    const at = new Date(now - (i * 37 + 12) * MIN).toISOString();
    d.conversations.set(id, {
      id,
      channel,
      status: 'open',
      customerName: name,
      customerContact: contact,
      subject,
      ticketId: null,
      createdAt: at,
      lastMessageAt: at,
    });
    messages.set(id, [{ id: mockId(7, i + 1), conversationId: id, author: 'customer', agentId: null, body, at }]);
  });
  const thread = (id: string): Message[] => {
    const c = d.conversations.get(id);
    if (!c) throw new IpcError({ code: 'not_found', message: `conversation ${id} not found` });
    if (!messages.has(id)) {
      messages.set(id, [
        {
          id: mockId(7, 1000 + messages.size),
          conversationId: id,
          author: 'customer',
          agentId: null,
          body: `Hello, about "${c.subject}": it started this morning.`,
          at: c.createdAt,
        },
      ]);
    }
    return messages.get(id) ?? [];
  };
  const get = (id: string): Conversation => {
    const c = d.conversations.get(id);
    if (!c) throw new IpcError({ code: 'not_found', message: `conversation ${id} not found` });
    return c;
  };
  const requireAdmin = () => {
    if (d.me.role !== 'admin')
      throw new IpcError({ code: 'forbidden', message: 'only a workspace admin can change workflow rules; ask an admin to do it' });
  };
  const checkRule = (r: Rule) => {
    if (r.name.trim() === '') throw new IpcError({ code: 'empty_field', message: 'name must not be empty' });
    if (r.actions.length === 0) throw new IpcError({ code: 'invalid_value', message: 'invalid actions: needs at least one entry' });
    for (const c of r.conditions) {
      const list = 'words' in c ? c.words : 'domains' in c ? c.domains : c.anyOf;
      if ((list as unknown[]).length === 0 || (list as unknown[]).some((w) => typeof w === 'string' && w.trim() === ''))
        throw new IpcError({ code: 'invalid_value', message: 'invalid words: an entry is empty' });
    }
  };
  return {
    async listConversations(q) {
      await d.delay();
      const words = q.search.toLowerCase().split(/\s+/).filter(Boolean);
      const out: ConversationSummary[] = [];
      for (const c of d.conversations.values()) {
        if (q.channels.length && !q.channels.includes(c.channel)) continue;
        if (q.statuses.length && !q.statuses.includes(c.status)) continue;
        const msgs = thread(c.id);
        const hay = `${c.subject} ${c.customerName} ${c.customerContact} ${msgs.map((m) => m.body).join(' ')}`.toLowerCase();
        if (!words.every((w) => hay.includes(w))) continue;
        const last = msgs[msgs.length - 1];
        const lastCustomer = [...msgs].reverse().find((m) => m.author === 'customer');
        const lastAgent = [...msgs].reverse().find((m) => m.author === 'agent');
        const waiting = lastCustomer && !(lastAgent && lastAgent.at >= lastCustomer.at) ? lastCustomer.at : null;
        out.push({
          conversation: c,
          lastMessage: last ? last.body.slice(0, 140) : null,
          lastAuthor: last ? last.author : null,
          unread: !!lastCustomer && Date.parse(lastCustomer.at) > (readAt.get(c.id) ?? 0),
          waitingSince: waiting,
          ticketLabel: c.ticketId ? (d.ticketCard(c.ticketId)?.displayNumber ?? null) : null,
        });
      }
      out.sort((a, b) => b.conversation.lastMessageAt.localeCompare(a.conversation.lastMessageAt));
      return out.slice(0, 500);
    },
    async getConversation(id) {
      await d.delay();
      const conversation = get(id);
      readAt.set(id, d.clock());
      return {
        conversation,
        messages: thread(id),
        ticket: conversation.ticketId ? d.ticketCard(conversation.ticketId) : null,
      };
    },
    async logConversation(input) {
      await d.delay();
      if (input.customerName.trim() === '') throw new IpcError({ code: 'empty_field', message: 'customerName must not be empty' });
      if (input.subject.trim() === '') throw new IpcError({ code: 'empty_field', message: 'subject must not be empty' });
      const at = new Date(d.clock()).toISOString();
      const id = mockId(6, 100 + ++seq);
      const c: Conversation = {
        id,
        channel: input.channel,
        status: 'open',
        customerName: input.customerName.trim(),
        customerContact: input.customerContact.trim(),
        subject: input.subject.trim(),
        ticketId: null,
        createdAt: at,
        lastMessageAt: at,
      };
      d.conversations.set(id, c);
      const msgs: Message[] = input.body.trim()
        ? [{ id: mockId(7, 5000 + seq), conversationId: id, author: 'customer', agentId: null, body: input.body.trim(), at }]
        : [];
      messages.set(id, msgs);
      readAt.set(id, d.clock());
      d.emitChanged();
      return { conversation: c, messages: msgs, ticket: null };
    },
    async addConversationMessage(id, author, body) {
      await d.delay();
      const c = get(id);
      if (body.trim() === '') throw new IpcError({ code: 'empty_field', message: 'body must not be empty' });
      const at = new Date(d.clock()).toISOString();
      const m: Message = {
        id: mockId(7, 9000 + ++seq),
        conversationId: id,
        author,
        agentId: author === 'agent' ? d.me.id : null,
        body: body.trim(),
        at,
      };
      thread(id).push(m);
      c.lastMessageAt = at;
      if (author === 'agent') readAt.set(id, d.clock());
      d.emitChanged();
      return m;
    },
    async setConversationStatus(id, status) {
      await d.delay();
      const c = get(id);
      c.status = status;
      d.emitChanged();
      return c;
    },
    async escalationDraft(id) {
      await d.delay();
      const c = get(id);
      const description = thread(id)
        .map((m) => `${m.author === 'customer' ? c.customerName : 'Agent'}: ${m.body}`)
        .join('\n\n');
      return { title: c.subject, description, priority: 'normal', categoryId: null, assigneeId: null };
    },
    async escalateConversation(id, input: EscalationInput) {
      const c = get(id);
      if (c.ticketId)
        throw new IpcError({ code: 'invalid_value', message: `invalid conversation: this conversation already has ticket ${c.ticketId}` });
      const card = await d.createTicket({
        title: input.title,
        description: input.description,
        priority: input.priority,
        categoryId: input.categoryId,
        assigneeId: input.assigneeId,
        requester: c.customerContact || c.customerName,
        conversationId: id,
      });
      c.ticketId = card.ticket.id;
      return card;
    },
    async getRules() {
      await d.delay();
      return rules;
    },
    async saveRules(set) {
      await d.delay();
      requireAdmin();
      set.rules.forEach(checkRule);
      rules = { rules: set.rules.map((r) => ({ ...r, name: r.name.trim() })), updatedAt: new Date(d.clock()).toISOString() };
      d.emitChanged();
      return rules;
    },
    async dryRunRule(rule) {
      await d.delay();
      checkRule(rule);
      const out: DryRunMatch[] = [];
      const recent = [...d.conversations.values()].sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt)).slice(0, 200);
      for (const c of recent) {
        if (ruleMatches(rule, c, thread(c.id)))
          out.push({ conversationId: c.id, subject: c.subject, customerName: c.customerName, channel: c.channel, lastMessageAt: c.lastMessageAt });
      }
      return out;
    },
  };
}
