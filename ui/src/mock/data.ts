//! Deterministic generated data for the mock backend: a workspace, agents,
//! categories, conversations and a few thousand tickets from a seeded PRNG, so
//! screenshots and tests see the same board every run (relative to `now`).
//! One ticket's title is an XSS payload on purpose; the UI must show it as text.

import type { Agent, Category, Conversation, Priority, SlaState, Status, Ticket, Workspace } from '../bindings';

export const XSS_TITLE = '<img src=x onerror=alert(1)>';

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic UUID-shaped id. */
export function mockId(prefix: number, n: number): string {
  const hex = (prefix.toString(16).padStart(8, '0') + n.toString(16).padStart(24, '0')).slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
}

export const WORKSPACE: Workspace = {
  id: mockId(1, 1),
  name: 'Northwind Support',
  timezone: 'Europe/Paris',
  plan: { aiInsights: false },
};

const AGENT_NAMES = [
  'Maya Chen',
  'Liam Okafor',
  'Sofia Rossi',
  'Noah Schmidt',
  'Amara Diallo',
  'Kenji Tanaka',
  'Elena Petrova',
  'Lucas Martin',
];

export const AGENTS: Agent[] = AGENT_NAMES.map((name, i) => ({
  id: mockId(2, i + 1),
  name,
  email: `${name.split(' ')[0].toLowerCase()}@northwind.example`,
  role: i === 0 ? 'admin' : 'agent',
  timezone: 'Europe/Paris',
}));

export const CATEGORIES: Category[] = ['Billing', 'Technical', 'Account', 'Shipping', 'Feature request', 'Other'].map(
  (name, i) => ({ id: mockId(3, i + 1), name }),
);

const SUBJECTS = [
  'Cannot log in after password reset',
  'Invoice shows wrong VAT amount',
  'Refund not received for order',
  'App crashes when uploading attachments',
  'Two-factor codes arrive late',
  'Export to PDF cuts off the last page',
  'Shipping label printed with wrong address',
  'Request: dark mode for the customer portal',
  'Webhook deliveries failing with 502',
  'Duplicate charge on credit card',
  'Sync stuck at 99 percent',
  'Cannot change account owner',
  'Package marked delivered but not received',
  'API rate limit too low for nightly import',
  'Search does not find archived projects',
  'SSO login loops back to the sign-in page',
  'Discount code rejected at checkout',
  'Calendar invites show the wrong timezone',
  'Mobile app drains battery in background',
  'Need copy of contract for audit',
  'Data import skipped rows with accents',
  'Team member cannot see shared folder',
  'Slow dashboard load for large accounts',
  'Email notifications going to spam',
];

const CUSTOMERS = [
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella Health',
  'Stark Logistics',
  'Wayne Foods',
  'Hooli',
  'Vandelay Imports',
  'Soylent Labs',
  'Tyrell Systems',
];

const STATUS_WEIGHTS: [Status, number][] = [
  ['open', 0.3],
  ['in_progress', 0.22],
  ['waiting', 0.12],
  ['resolved', 0.2],
  ['closed', 0.16],
];
const PRIORITY_WEIGHTS: [Priority, number][] = [
  ['urgent', 0.08],
  ['high', 0.22],
  ['normal', 0.5],
  ['low', 0.2],
];

function pick<T>(r: number, weights: [T, number][]): T {
  let acc = 0;
  for (const [v, w] of weights) {
    acc += w;
    if (r < acc) return v;
  }
  return weights[weights.length - 1][0];
}

/** Resolution targets in hours, as DESIGN §3's defaults (24/7 here for simplicity). */
export const RESOLUTION_HOURS: Record<Priority, number> = { urgent: 4, high: 8, normal: 24, low: 40 };

const MIN = 60_000;

export type Generated = { tickets: Ticket[]; conversations: Map<string, Conversation> };

/** Builds `count` tickets numbered 1..count, with times around `now`. */
export function generate(count: number, seed: number, now: number): Generated {
  const rnd = prng(seed);
  const base = Math.floor(now / MIN) * MIN;
  const tickets: Ticket[] = [];
  const conversations = new Map<string, Conversation>();
  for (let n = 1; n <= count; n++) {
    const status = pick(rnd(), STATUS_WEIGHTS);
    const priority = pick(rnd(), PRIORITY_WEIGHTS);
    const customer = CUSTOMERS[Math.floor(rnd() * CUSTOMERS.length)];
    const subject = SUBJECTS[Math.floor(rnd() * SUBJECTS.length)];
    const title = n === 7 ? XSS_TITLE : subject;
    const createdAt = base - Math.floor(rnd() * 30 * 24 * 60) * MIN - 10 * MIN;
    const updatedAt = Math.min(base, createdAt + Math.floor(rnd() * 48 * 60) * MIN);
    const assignee = rnd() < 0.18 ? null : AGENTS[Math.floor(rnd() * AGENTS.length)].id;
    const category = rnd() < 0.1 ? null : CATEGORIES[Math.floor(rnd() * CATEGORIES.length)].id;
    const active = status === 'open' || status === 'in_progress' || status === 'waiting';
    // Active tickets are due from 2 days ago to 6 days ahead so every SLA bucket has
    // members; resolved and closed tickets have no running target, hence no due date.
    const dueAt = active ? base + Math.floor((rnd() * 8 - 2) * 24 * 60) * MIN : null;
    const done: SlaState = rnd() < 0.8 ? 'met' : 'missed';
    const id = mockId(4, n);
    let conversationId: string | null = null;
    if (rnd() < 0.6) {
      conversationId = mockId(5, n);
      conversations.set(conversationId, {
        id: conversationId,
        channel: (['email', 'chat', 'phone', 'web'] as const)[n % 4],
        status: active ? 'open' : 'closed',
        customerName: customer,
        customerContact: `support@${customer.toLowerCase().replace(/[^a-z]/g, '')}.example`,
        subject,
        ticketId: id,
        createdAt: new Date(createdAt - 5 * MIN).toISOString(),
        lastMessageAt: new Date(updatedAt).toISOString(),
      });
    }
    const resolvedAt = status === 'resolved' || status === 'closed' ? updatedAt : null;
    tickets.push({
      id,
      number: n,
      title,
      description: `${customer} reports: ${subject.toLowerCase()}. Reproduced on their production account.`,
      status,
      priority,
      categoryId: category,
      assigneeId: assignee,
      requester: customer,
      conversationId,
      createdAt: new Date(createdAt).toISOString(),
      updatedAt: new Date(updatedAt).toISOString(),
      firstResponseAt: status === 'open' ? null : new Date(createdAt + 20 * MIN).toISOString(),
      resolvedAt: resolvedAt ? new Date(resolvedAt).toISOString() : null,
      closedAt: status === 'closed' ? new Date(updatedAt).toISOString() : null,
      dueAt: dueAt === null ? null : new Date(dueAt).toISOString(),
      dueOverride: null,
      slaState: active ? 'none' : done,
    });
  }
  return { tickets, conversations };
}
