import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { SyncStatus } from '../ipc';
import { syncSummary } from '../lib/sync';
import { installMock } from '../test/util';
import { SyncIndicator } from './SyncIndicator';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const ago = (min: number) => new Date(NOW - min * 60_000).toISOString();
const status = (s: Partial<SyncStatus> = {}): SyncStatus => ({
  state: 'online',
  pending: 0,
  lastSyncAt: ago(2),
  lastError: null,
  conflicts: [],
  ...s,
});

function renderIndicator(s: SyncStatus | null, extra: Partial<Parameters<typeof SyncIndicator>[0]> = {}) {
  const props = {
    status: s,
    now: NOW,
    onOpenTicket: vi.fn(),
    onConnect: vi.fn(),
    onSignOut: vi.fn(async () => undefined),
    ...extra,
  };
  render(<SyncIndicator {...props} />);
  return props;
}

describe('syncSummary', () => {
  it('words every state', () => {
    expect(syncSummary(null, NOW)).toEqual({ tone: 'local', text: 'Local only' });
    expect(syncSummary(status(), NOW).text).toBe('Online · synced 2 min ago');
    expect(syncSummary(status({ lastSyncAt: ago(0.2) }), NOW).text).toBe('Online · synced just now');
    expect(syncSummary(status({ lastSyncAt: null }), NOW).text).toBe('Online · not synced yet');
    expect(syncSummary(status({ pending: 2 }), NOW).text).toBe('Online · 2 pending changes');
    expect(syncSummary(status({ state: 'offline', pending: 3 }), NOW)).toEqual({
      tone: 'offline',
      text: 'Offline · 3 pending changes',
    });
    expect(syncSummary(status({ state: 'offline', pending: 1 }), NOW).text).toBe('Offline · 1 pending change');
    expect(syncSummary(status({ state: 'offline' }), NOW).text).toBe('Offline · no pending changes');
    expect(syncSummary(status({ state: 'syncing', pending: 4 }), NOW)).toEqual({ tone: 'syncing', text: 'Syncing…' });
  });
});

describe('SyncIndicator', () => {
  it('shows the one-line state in the sidebar button', () => {
    renderIndicator(status({ state: 'offline', pending: 3 }));
    const button = screen.getByRole('button', { name: /Offline · 3 pending changes/ });
    expect(button).toHaveAttribute('aria-expanded', 'false');
    expect(button).toHaveAttribute('aria-haspopup', 'dialog');
  });

  it('opens a dialog with state, pending, last sync, error and the conflicts; Esc closes it', () => {
    const conflicts: SyncStatus['conflicts'] = [
      { kind: 'conflict', ticketId: 't1', ticketNumber: 'TKT-007', kept: 'status=waiting', lost: 'status=resolved', at: ago(30) },
      { kind: 'rejected', ticketId: null, ticketNumber: null, kept: 'forbidden', lost: 'Only an admin can do that', at: ago(90) },
    ];
    const props = renderIndicator(
      status({ state: 'offline', pending: 3, lastError: 'Server unreachable', conflicts }),
    );
    const button = screen.getByRole('button', { name: /Offline/ });
    expect(button).toHaveTextContent('2 conflicts');
    fireEvent.click(button);
    expect(button).toHaveAttribute('aria-expanded', 'true');
    const dialog = screen.getByRole('dialog', { name: 'Sync' });
    expect(button).toHaveAttribute('aria-controls', dialog.id);
    expect(within(dialog).getByTestId('sync-state')).toHaveTextContent('Offline');
    expect(within(dialog).getByTestId('sync-pending')).toHaveTextContent('3 changes');
    expect(within(dialog).getByTestId('sync-last').querySelector('time')).toHaveAttribute('datetime', ago(2));
    expect(within(dialog).getByTestId('sync-error')).toHaveTextContent('Server unreachable');
    const items = within(dialog).getAllByTestId('sync-conflict');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('Conflict');
    expect(items[0]).toHaveTextContent('kept waiting');
    expect(items[0]).toHaveTextContent('lost resolved');
    expect(items[0]).toHaveTextContent('30 min ago');
    expect(items[1]).toHaveTextContent('Rejected');
    expect(items[1]).toHaveTextContent('Only an admin can do that');
    expect(items[1]).toHaveTextContent('New ticket (unsynced)');
    expect(within(items[1]).queryByRole('button')).toBeNull();

    fireEvent.click(within(items[0]).getByRole('button', { name: 'TKT-007' }));
    expect(props.onOpenTicket).toHaveBeenCalledWith('t1');
    expect(screen.queryByRole('dialog')).toBeNull();

    fireEvent.click(button);
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(button).toHaveFocus();
  });

  it('local only: offers to connect to a server', () => {
    const props = renderIndicator(null);
    const button = screen.getByRole('button', { name: 'Local only' });
    fireEvent.click(button);
    const dialog = screen.getByRole('dialog', { name: 'Sync' });
    expect(within(dialog).queryByRole('button', { name: 'Sign out' })).toBeNull();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Connect to a server' }));
    expect(props.onConnect).toHaveBeenCalled();
  });

  it('Sync now runs a sync; Sign out calls back', async () => {
    const mock = installMock({ syncMs: 5 });
    const seen: SyncStatus[] = [];
    await mock.onSyncStatus((s) => seen.push(s));
    const props = renderIndicator(status({ pending: 1 }));
    fireEvent.click(screen.getByRole('button', { name: /Online/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    await waitFor(() => expect(seen.map((s) => s.state)).toEqual(['syncing', 'online']));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Sync now' })).toBeEnabled());
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(props.onSignOut).toHaveBeenCalled());
  });

  it('disables Sync now while a sync runs', () => {
    renderIndicator(status({ state: 'syncing' }));
    fireEvent.click(screen.getByRole('button', { name: /Syncing/ }));
    const dialog = screen.getByRole('dialog', { name: 'Sync' });
    expect(within(dialog).getByRole('button', { name: 'Syncing…' })).toBeDisabled();
    expect(within(dialog).getByRole('button', { name: 'Syncing…' })).toHaveAttribute('aria-busy', 'true');
  });
});
