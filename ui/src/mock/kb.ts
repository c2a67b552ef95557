//! The mock backend's knowledge base and AI Insights: a few articles (one
//! carrying an XSS payload, which must render as text), prefix search with a
//! simple score and highlighted passages as plain parts, admin-only edits,
//! and insights for a ticket shaped like the Rust store's answer.

import type { Agent, GeneratedSummary, KbArticle, KbArticleInput, KbHit, PassagePart, Ticket, TicketInsights } from '../bindings';
import { IpcError, type Backend } from '../ipc';

export const XSS_ARTICLE_TITLE = 'Phishing <img src=x onerror="window.__xss=1"> report';
export const XSS_ARTICLE_BODY =
  'Forward the email as an attachment. <script>window.__xss=1</script>\n\n' +
  '<img src=x onerror="window.__xss=1">\n\n[Click me](javascript:window.__xss=1) and [security portal](https://security.example.com/report).';

const ARTICLES: Omit<KbArticle, 'updatedAt' | 'updatedBy'>[] = [
  {
    id: 'kb-vpn',
    title: 'VPN keeps disconnecting',
    body:
      '## Symptoms\n\nThe **VPN** drops every few minutes, often on Wi-Fi.\n\n## Fix\n\n1. Update the VPN client.\n' +
      '2. Switch the protocol to *IKEv2*.\n3. Turn off Wi-Fi power saving.\n\nSee [the network guide](https://intranet.example.com/network).',
    tags: ['network', 'vpn'],
  },
  {
    id: 'kb-printer',
    title: 'Printer shows offline',
    body: 'Check the printer is on the office network, then remove and re-add it.\n\n```\nlpstat -p\n```',
    tags: ['printing'],
  },
  {
    id: 'kb-password',
    title: 'Reset a password or unlock an account',
    body: 'Accounts lock after 5 failed attempts. Use the self-service portal to reset the password, or ask an admin to unlock it.',
    tags: ['accounts', 'password'],
  },
  {
    id: 'kb-refund',
    title: 'Refunds and duplicate charges',
    body: 'Refunds take 5 to 10 business days. For a duplicate charge, open a billing case with the invoice number.',
    tags: ['billing'],
  },
  { id: 'kb-phishing', title: XSS_ARTICLE_TITLE, body: XSS_ARTICLE_BODY, tags: ['security'] },
];

const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);

/** The first window of `body` around a matching word, as plain parts. */
export function passageOf(body: string, terms: string[], prefix: boolean): PassagePart[] {
  const tokens = body.split(/([^\p{L}\p{N}]+)/u);
  const isHit = (tok: string) => {
    const w = tok.toLowerCase();
    return w.length > 0 && terms.some((t) => (prefix ? w.startsWith(t) : w.startsWith(t.slice(0, Math.max(3, t.length - 2)))));
  };
  const first = tokens.findIndex(isHit);
  if (first < 0) {
    const text = body.length > 200 ? `${body.slice(0, 200).trimEnd()}…` : body;
    return text ? [{ text, hit: false }] : [];
  }
  const from = Math.max(0, first - 12);
  const to = Math.min(tokens.length, first + 36);
  const parts: PassagePart[] = [];
  const push = (text: string, hit: boolean) => {
    const last = parts[parts.length - 1];
    if (last && last.hit === hit) last.text += text;
    else parts.push({ text, hit });
  };
  if (from > 0) push('…', false);
  for (let i = from; i < to; i++) if (tokens[i]) push(tokens[i], isHit(tokens[i]));
  if (to < tokens.length) push('…', false);
  return parts;
}

export type KbMock = Pick<
  Backend,
  | 'searchKb'
  | 'getKbArticle'
  | 'saveKbArticle'
  | 'deleteKbArticle'
  | 'getTicketInsights'
  | 'openExternalLink'
  | 'requestTicketSummary'
> & {
  /** Links the app asked to open in the system browser. */
  readonly openedLinks: string[];
  readonly articles: KbArticle[];
};

export function createKbMock(ctx: {
  me: Agent;
  now: () => number;
  delay: () => Promise<void>;
  ticket: (id: string) => Ticket | undefined;
  tickets: Ticket[];
  changed: () => void;
  /** Whether the (pretend) server can be reached for a generated summary. */
  online: () => boolean;
}): KbMock {
  const at = new Date(ctx.now() - 3 * 24 * 3_600_000).toISOString();
  const articles: KbArticle[] = ARTICLES.map((a) => ({ ...a, updatedAt: at, updatedBy: null }));
  const openedLinks: string[] = [];
  const summaries = new Map<string, GeneratedSummary>();
  let n = 0;
  const hitOf = (a: KbArticle, score: number, terms: string[], prefix: boolean): KbHit => ({
    id: a.id,
    title: a.title,
    tags: a.tags,
    score,
    passage: passageOf(a.body, terms, prefix),
    updatedAt: a.updatedAt,
  });
  const scoreOf = (a: KbArticle, terms: string[], prefix: boolean) => {
    const match = (w: string, t: string) => (prefix ? w.startsWith(t) : w.startsWith(t.slice(0, Math.max(3, t.length - 2))));
    const count = (text: string, t: string) => words(text).filter((w) => match(w, t)).length;
    return terms.reduce((s, t) => s + 8 * count(a.title, t) + 4 * count(a.tags.join(' '), t) + count(a.body, t), 0);
  };
  const requireAdmin = () => {
    if (ctx.me.role !== 'admin')
      throw new IpcError({ code: 'forbidden', message: 'only a workspace admin can edit knowledge-base articles; ask an admin to do it' });
  };
  const find = (id: string) => {
    const a = articles.find((x) => x.id === id);
    if (!a) throw new IpcError({ code: 'not_found', message: `article ${id} not found` });
    return a;
  };
  return {
    openedLinks,
    articles,
    async searchKb(query, limit) {
      await ctx.delay();
      if (query.length > 200) throw new IpcError({ code: 'too_long', message: 'query is too long (at most 200 characters)' });
      const terms = words(query);
      if (terms.length === 0)
        return [...articles]
          .sort((a, b) => a.title.localeCompare(b.title))
          .slice(0, limit)
          .map((a) => hitOf(a, 0, [], true));
      return articles
        .filter((a) => terms.every((t) => words(`${a.title} ${a.body} ${a.tags.join(' ')}`).some((w) => w.startsWith(t))))
        .map((a) => hitOf(a, scoreOf(a, terms, true), terms, true))
        .sort((a, b) => b.score - a.score)
        .slice(0, limit);
    },
    async getKbArticle(id) {
      await ctx.delay();
      return { ...find(id) };
    },
    async saveKbArticle(id, input: KbArticleInput) {
      await ctx.delay();
      requireAdmin();
      const title = input.title.trim();
      if (!title) throw new IpcError({ code: 'empty_field', message: 'title must not be empty' });
      if (input.body.length > 100_000)
        throw new IpcError({ code: 'too_long', message: 'body is too long (at most 100000 characters)' });
      const tags = [...new Set(input.tags.map((t) => t.trim().toLowerCase()).filter(Boolean))];
      const next: KbArticle = {
        id: id ?? `kb-new-${++n}`,
        title,
        body: input.body,
        tags,
        updatedBy: ctx.me.id,
        updatedAt: new Date(ctx.now()).toISOString(),
      };
      if (id) Object.assign(find(id), next);
      else articles.push(next);
      ctx.changed();
      return { ...next };
    },
    async deleteKbArticle(id) {
      await ctx.delay();
      requireAdmin();
      articles.splice(articles.indexOf(find(id)), 1);
      ctx.changed();
      return null;
    },
    async getTicketInsights(id): Promise<TicketInsights> {
      await ctx.delay();
      const t = ctx.ticket(id);
      if (!t) throw new IpcError({ code: 'not_found', message: `ticket ${id} not found` });
      const terms = words(`${t.title} ${t.description}`).filter((w) => w.length >= 3);
      const related = articles
        .map((a) => hitOf(a, scoreOf(a, terms, false), terms, false))
        .filter((h) => h.score > 0)
        .sort((a, b) => b.score - a.score)
        .slice(0, 5);
      const similar = ctx.tickets
        .filter((o) => o.id !== t.id && (o.status === 'resolved' || o.status === 'closed') && o.categoryId === t.categoryId)
        .filter((o) => words(o.title).some((w) => w.length >= 5 && terms.includes(w)))
        .slice(0, 5)
        .map((o) => ({
          id: o.id,
          number: o.number,
          title: o.title,
          status: o.status,
          score: 1,
          resolvedAt: o.resolvedAt,
          handlingMinutes: o.resolvedAt ? Math.round((Date.parse(o.resolvedAt) - Date.parse(o.createdAt)) / 60_000) : null,
          resolution: 'Restarted the service and confirmed with the customer.',
          resolutionAt: o.resolvedAt,
        }));
      const due = t.dueAt ? Date.parse(t.dueAt) - ctx.now() : null;
      return {
        ticketId: t.id,
        computedAt: new Date(ctx.now()).toISOString(),
        relatedArticles: related,
        similarTickets: similar,
        analysis: [
          {
            kind: 'sla_risk',
            level: due !== null && due < 0 ? 'critical' : 'info',
            text: due === null ? 'No due date: no SLA risk to assess.' : due < 0 ? 'The due date passed.' : 'Low SLA risk.',
            basis: [
              { label: 'Resolved tickets in group', value: String(similar.length) },
              { label: 'Time left before due', value: due === null ? 'none' : `${Math.round(due / 60_000)} min` },
            ],
          },
          { kind: 'reassignments', level: 'info', text: 'Never reassigned.', basis: [{ label: 'Assignee changes', value: '1' }] },
          { kind: 'reopens', level: 'info', text: 'Never reopened.', basis: [{ label: 'Reopenings', value: '0' }] },
          {
            kind: 'language',
            level: 'info',
            text: 'Written in English.',
            basis: [
              { label: 'Language code (ISO 639-3)', value: 'eng' },
              { label: 'Confidence', value: '92%' },
            ],
          },
        ],
        language: 'eng',
        summary: summaries.get(t.id) ?? null,
      };
    },
    async requestTicketSummary(id) {
      await ctx.delay();
      const t = ctx.ticket(id);
      if (!t) throw new IpcError({ code: 'not_found', message: `ticket ${id} not found` });
      if (!ctx.online())
        throw new IpcError({
          code: 'offline',
          message: 'generated summaries need a connection to your Outpost server; sign in first',
        });
      const s: GeneratedSummary = {
        summary: `The customer reports: ${t.title}.`,
        draftResolution: 'Confirm the details with the customer, apply the steps of the related article and follow up in 24 hours.',
        model: 'mock-model',
        generatedAt: new Date(ctx.now()).toISOString(),
      };
      summaries.set(id, s);
      return s;
    },
    async openExternalLink(url) {
      await ctx.delay();
      if (!/^https?:\/\/[^\s/]+/i.test(url))
        throw new IpcError({ code: 'invalid_value', message: 'cannot open this link: only http and https links open' });
      openedLinks.push(url);
      return null;
    },
  };
}
