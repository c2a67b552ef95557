import { describe, expect, it } from 'vitest';
import type { TicketQuery } from '../bindings';
import { createMockBackend, parseNumberQuery, XSS_TITLE } from '.';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const Q: TicketQuery = { statuses: [], priorities: [], assignee: { kind: 'anyone' }, categoryId: null, sla: null, text: null, sort: 'due_date' };

describe('mock backend', () => {
  it('parses ticket numbers like the Rust store', () => {
    for (const s of ['TKT-001', '#TKT-001', 'tkt-1', '#1', '1', ' 001 ']) expect(parseNumberQuery(s)).toBe(1);
    for (const s of ['TKT-', 'abc', '0', '']) expect(parseNumberQuery(s)).toBeNull();
  });

  it('pages through every ticket exactly once with the cursor', async () => {
    const m = createMockBackend({ count: 1234, now: () => NOW });
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof m.listTickets>> = await m.listTickets({ ...Q, sort: 'priority' }, cursor, 100);
      expect(Number(page.total)).toBe(1234);
      page.cards.forEach((c) => seen.add(c.ticket.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(1234);
  });

  it('finds by number and title words and contains the XSS title', async () => {
    const m = createMockBackend({ count: 500, now: () => NOW });
    const byNumber = await m.listTickets({ ...Q, text: '#TKT-042' }, null, 100);
    expect(byNumber.cards.map((c) => c.displayNumber)).toContain('TKT-042');
    const byTitle = await m.listTickets({ ...Q, text: 'refund rec' }, null, 100);
    expect(byTitle.cards.length).toBeGreaterThan(0);
    byTitle.cards.forEach((c) => expect(c.ticket.title.toLowerCase()).toContain('refund'));
    expect(m.tickets.some((t) => t.title === XSS_TITLE)).toBe(true);
  });

  it('counts per status ignoring the status filter', async () => {
    const m = createMockBackend({ count: 400, now: () => NOW });
    const all = await m.ticketStats(Q);
    const withStatus = await m.ticketStats({ ...Q, statuses: ['open'] });
    expect(withStatus).toEqual(all);
    const sum = Object.values(all).reduce((a, b) => a + Number(b), 0);
    expect(sum).toBe(400);
  });

  it('records history for edits and bulk updates by query', async () => {
    const m = createMockBackend({ count: 200, now: () => NOW });
    const t = m.tickets[0];
    await m.updateTicket(t.id, { status: t.status === 'waiting' ? 'open' : 'waiting' });
    const h = await m.listHistory(t.id);
    expect(h[0].field).toBe('status');
    const n = await m.bulkUpdateTickets({ kind: 'query', query: { ...Q, priorities: ['low'] } }, { priority: 'urgent' });
    expect(n.changed).toBeGreaterThan(0);
    expect(n.batchId).toBeTruthy();
    const left = await m.listTickets({ ...Q, priorities: ['low'] }, null, 100);
    expect(Number(left.total)).toBe(0);
  });

  it('undoes a bulk change once, keeping fields edited since, and rejects unknown batches', async () => {
    const m = createMockBackend({ count: 50, now: () => NOW });
    const ids = m.tickets.slice(0, 3).map((t) => t.id);
    const before = ids.map((id) => m.tickets.find((t) => t.id === id)!.assigneeId);
    const agent = (await m.getSession()).agents[1].id;
    const out = await m.bulkUpdateTickets({ kind: 'ids', ids }, { assigneeId: agent });
    const changedIds = ids.filter((_, i) => before[i] !== agent);
    expect(out.changed).toBe(changedIds.length);
    await m.updateTicket(changedIds[0], { assigneeId: null });
    const r = await m.undoBulkUpdate(out.batchId!);
    expect(r).toEqual({ restored: changedIds.length - 1, kept: 1 });
    expect(m.tickets.find((t) => t.id === changedIds[0])!.assigneeId).toBeNull();
    await expect(m.undoBulkUpdate(out.batchId!)).rejects.toMatchObject({ code: 'already_undone' });
    await expect(m.undoBulkUpdate('nope')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('rejects an empty title with a stable code', async () => {
    const m = createMockBackend({ count: 5, now: () => NOW });
    await expect(m.updateTicket(m.tickets[0].id, { title: '  ' })).rejects.toMatchObject({ code: 'empty_field' });
  });
});

describe('mock sync', () => {
  it('counts pending changes while offline, fails to sync, then pushes when back online', async () => {
    const m = createMockBackend({ count: 50, sync: 'offline', syncMs: 1, autoSyncMs: 1 });
    const events: string[] = [];
    await m.onSyncStatus((s) => events.push(`${s.state}:${s.pending}`));
    expect(await m.getSyncStatus()).toMatchObject({ state: 'offline', pending: 3 });
    await m.updateTicket(m.tickets[0].id, { priority: m.tickets[0].priority === 'low' ? 'high' : 'low' });
    expect((await m.getSyncStatus())!.pending).toBe(4);
    const failed = await m.syncNow();
    expect(failed).toMatchObject({ state: 'offline', pending: 4 });
    expect(failed.lastError).toMatch(/unreachable/);
    m.setServerReachable(true);
    const ok = await m.syncNow();
    expect(ok).toMatchObject({ state: 'online', pending: 0, lastError: null });
    expect(ok.lastSyncAt).not.toBeNull();
    expect(events).toEqual(['syncing:4', 'offline:4', 'syncing:4', 'online:0']);
  });

  it('signs in with the demo account only, and signs out to local-only mode', async () => {
    const m = createMockBackend({ count: 20, sync: 'local', syncMs: 1 });
    expect(await m.getSyncStatus()).toBeNull();
    await expect(m.syncNow()).rejects.toMatchObject({ code: 'not_signed_in' });
    await expect(m.signIn('not a url', 'admin@demo.outpost', 'outpost-demo')).rejects.toMatchObject({ code: 'invalid_value' });
    await expect(m.signIn('http://10.9.9.9:7878', 'admin@demo.outpost', 'outpost-demo')).rejects.toMatchObject({ code: 'offline' });
    await expect(m.signIn('http://127.0.0.1:7878', 'admin@demo.outpost', 'bad')).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    const session = await m.signIn('http://127.0.0.1:7878/', 'Admin@Demo.Outpost ', 'outpost-demo');
    expect(session.agent.role).toBe('admin');
    expect(await m.getSyncStatus()).toMatchObject({ conflicts: [] });
    expect(await m.signOut()).toBeNull();
    expect(await m.getSyncStatus()).toBeNull();
    expect(m.tickets).toHaveLength(20);
  });

  it('seeds conflicts that point at real tickets', async () => {
    const m = createMockBackend({ count: 200 });
    const s = (await m.getSyncStatus())!;
    expect(s.conflicts.map((c) => c.kind)).toEqual(['conflict', 'conflict', 'rejected']);
    const t = m.tickets.find((x) => x.id === s.conflicts[0].ticketId)!;
    expect(s.conflicts[0].kept).toBe(`status=${t.status}`);
  });
});
