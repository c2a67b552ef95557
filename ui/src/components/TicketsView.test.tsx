import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { STORAGE_KEY } from '../lib/filters';
import { installMock } from '../test/util';

async function boot(count = 300) {
  const m = installMock({ count });
  const r = render(<App />);
  await screen.findByRole('heading', { name: 'Tickets' });
  return { m, ...r };
}

const cards = () => screen.queryAllByTestId('ticket-card');

describe('Tickets view', () => {
  it('lists cards and filters by clicking a stat, again to clear', async () => {
    const { m } = await boot();
    await waitFor(() => expect(cards().length).toBeGreaterThan(0));
    const open = m.tickets.filter((t) => t.status === 'open').length;
    const stat = await screen.findByTestId('stat-open');
    await waitFor(() => expect(stat).toHaveTextContent(String(open)));
    fireEvent.click(stat);
    await waitFor(() => expect(screen.getByTestId('total')).toHaveTextContent(`${open} tickets`));
    cards().forEach((c) => expect(within(c).getByText('Open')).toBeInTheDocument());
    expect(screen.getByRole('list', { name: 'Active filters' })).toHaveTextContent('Status: Open');
    fireEvent.click(stat);
    await waitFor(() => expect(screen.getByTestId('total')).toHaveTextContent('300 tickets'));
  });

  it('keeps filters across a restart', async () => {
    const first = await boot();
    fireEvent.change(screen.getByLabelText('Priority'), { target: { value: 'urgent' } });
    expect(JSON.parse(localStorage.getItem(STORAGE_KEY)!).priority).toBe('urgent');
    first.unmount();
    await boot();
    expect(screen.getByLabelText('Priority')).toHaveValue('urgent');
    expect(screen.getByRole('list', { name: 'Active filters' })).toHaveTextContent('Priority: Urgent');
  });

  it('searches by number as you type', async () => {
    await boot();
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search tickets' }), { target: { value: '#TKT-042' } });
    await waitFor(() => expect(screen.getByTestId('total')).toHaveTextContent('1 ticket'));
    expect(cards()[0]).toHaveTextContent('TKT-042');
  });

  it('says when filters match nothing and clears them', async () => {
    await boot();
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search tickets' }), { target: { value: 'zzzzqqq' } });
    expect(await screen.findByText('No tickets match these filters')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(cards().length).toBeGreaterThan(0));
  });

  it('offers quick actions when there are no tickets at all', async () => {
    await boot(0);
    expect(await screen.findByText('No tickets yet')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Set Up Workflows' }));
    expect(await screen.findByRole('heading', { name: 'Workflows', level: 2 })).toBeInTheDocument();
    expect(await screen.findByRole('button', { name: 'Add workflow' })).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Tickets' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Configure Rules' }));
    expect(await screen.findByRole('heading', { name: 'Rules', level: 2 })).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Tickets' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Go to Inbox' }));
    expect(screen.getByRole('heading', { name: 'Inbox' })).toBeInTheDocument();
    expect(await screen.findAllByTestId('conv-row')).toHaveLength(4);
  });

  it('bulk-changes the selected tickets, asking first above 50', async () => {
    const { m } = await boot();
    await waitFor(() => expect(cards().length).toBeGreaterThan(2));
    fireEvent.click(screen.getByRole('button', { name: /Select/ }));
    const bar = screen.getByTestId('bulk-bar');
    const [a, , c] = cards();
    fireEvent.click(a);
    fireEvent.click(c, { shiftKey: true });
    expect(bar).toHaveTextContent('3 selected');
    const ids = cards().slice(0, 3).map((x) => x.dataset.ticketId);
    fireEvent.change(within(bar).getByLabelText('Change priority'), { target: { value: 'low' } });
    await screen.findByText(/^Changed priority of [1-3] tickets?$/);
    ids.forEach((id) => expect(m.tickets.find((t) => t.id === id)?.priority).toBe('low'));

    fireEvent.click(within(bar).getByRole('button', { name: 'Select all 300 matching' }));
    expect(bar).toHaveTextContent('All 300 matching selected');
    fireEvent.change(within(bar).getByLabelText('Change status'), { target: { value: 'closed' } });
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog).toHaveTextContent('Set status to Closed for 300 tickets?');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Update 300 tickets' }));
    await waitFor(() => expect(m.tickets.every((t) => t.status === 'closed')).toBe(true));
  });

  it('undoes a bulk change from the toast, keeping tickets edited since', async () => {
    const { m } = await boot();
    await waitFor(() => expect(cards().length).toBeGreaterThan(3));
    fireEvent.click(screen.getByRole('button', { name: /Select/ }));
    const bar = screen.getByTestId('bulk-bar');
    const picked = cards().slice(0, 4);
    fireEvent.click(picked[0]);
    fireEvent.click(picked[3], { shiftKey: true });
    const ids = picked.map((x) => x.dataset.ticketId!);
    const before = new Map(ids.map((id) => [id, m.tickets.find((t) => t.id === id)!.status]));
    const target = [...before.values()].every((s) => s !== 'waiting') ? 'waiting' : 'closed';
    fireEvent.change(within(bar).getByLabelText('Change status'), { target: { value: target } });
    const toast = (await screen.findByText(/^Changed status of 4 tickets$/)).closest('[data-testid=toast]') as HTMLElement;
    ids.forEach((id) => expect(m.tickets.find((t) => t.id === id)?.status).toBe(target));
    // Someone edits one of them before the undo: it is kept.
    await m.updateTicket(ids[1], { status: 'in_progress' });
    fireEvent.click(within(toast).getByRole('button', { name: 'Undo' }));
    expect(await screen.findByText('Undid the change to 3 tickets · 1 ticket kept because it was edited since')).toBeInTheDocument();
    expect(toast).not.toBeInTheDocument();
    for (const id of [ids[0], ids[2], ids[3]]) expect(m.tickets.find((t) => t.id === id)?.status).toBe(before.get(id));
    expect(m.tickets.find((t) => t.id === ids[1])?.status).toBe('in_progress');
    const history = await m.listHistory(ids[0]);
    expect(history[0]).toMatchObject({ field: 'status', oldValue: target, newValue: before.get(ids[0]) });
  });

  it('undoes the last bulk change with Ctrl+Z while its toast shows, not from a text field', async () => {
    const { m } = await boot();
    await waitFor(() => expect(cards().length).toBeGreaterThan(2));
    fireEvent.click(screen.getByRole('button', { name: /Select/ }));
    const bar = screen.getByTestId('bulk-bar');
    fireEvent.click(cards()[0]);
    const id = cards()[0].dataset.ticketId!;
    const before = m.tickets.find((t) => t.id === id)!.priority;
    const target = before === 'urgent' ? 'low' : 'urgent';
    fireEvent.change(within(bar).getByLabelText('Change priority'), { target: { value: target } });
    await screen.findByText('Changed priority of 1 ticket');
    fireEvent.keyDown(screen.getByRole('searchbox'), { key: 'z', ctrlKey: true });
    await act(() => new Promise((r) => setTimeout(r, 30)));
    expect(m.tickets.find((t) => t.id === id)?.priority).toBe(target);
    fireEvent.keyDown(document.body, { key: 'z', ctrlKey: true });
    expect(await screen.findByText('Undid the change to 1 ticket')).toBeInTheDocument();
    expect(m.tickets.find((t) => t.id === id)?.priority).toBe(before);
    expect(screen.queryByRole('button', { name: 'Undo' })).toBeNull();
    // No toast, no undo: a second Ctrl+Z changes nothing.
    fireEvent.keyDown(document.body, { key: 'z', ctrlKey: true });
    await act(() => new Promise((r) => setTimeout(r, 30)));
    expect(m.tickets.find((t) => t.id === id)?.priority).toBe(before);
  });

  it('exports the selection to the path from the save dialog', async () => {
    const { m } = await boot();
    await waitFor(() => expect(cards().length).toBeGreaterThan(0));
    fireEvent.click(screen.getByRole('button', { name: /Select/ }));
    const bar = screen.getByTestId('bulk-bar');
    fireEvent.click(within(bar).getByRole('button', { name: /Select all/ }));
    fireEvent.click(within(bar).getByRole('button', { name: /Export CSV/ }));
    expect(await screen.findByText('Exported 300 tickets to /home/agent/tickets.csv')).toBeInTheDocument();
    expect(m.exports[0].selection.kind).toBe('query');
    m.setSavePath(null);
    fireEvent.click(within(bar).getByRole('button', { name: /Export CSV/ }));
    await act(() => new Promise((r) => setTimeout(r, 20)));
    expect(m.exports).toHaveLength(1);
  });

  it('supports / j k Enter x and Esc from the keyboard', async () => {
    await boot();
    await waitFor(() => expect(cards().length).toBeGreaterThan(2));
    fireEvent.keyDown(document.body, { key: '/' });
    expect(screen.getByRole('searchbox')).toHaveFocus();
    screen.getByRole('searchbox').blur();
    fireEvent.keyDown(document.body, { key: 'j' });
    fireEvent.keyDown(document.body, { key: 'j' });
    fireEvent.keyDown(document.body, { key: 'k' });
    fireEvent.keyDown(document.body, { key: 'j' });
    expect(cards()[1]).toHaveClass('is-active');
    fireEvent.keyDown(document.body, { key: 'Enter' });
    expect(await screen.findByRole('dialog')).toBeInTheDocument();
    fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    fireEvent.keyDown(document.body, { key: 'x' });
    expect(screen.getByTestId('bulk-bar')).toHaveTextContent('1 selected');
  });
});
