import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { DEFAULT_NOTIFICATION_PREFS } from '../lib/notifications';
import { STORAGE_KEY } from '../lib/filters';
import { SESSION, installMock, renderWithSession } from '../test/util';
import { NotificationsNotice } from './NotificationsNotice';
import { SettingsView } from './SettingsView';

describe('Settings > Notifications', () => {
  it('shows the defaults: alerts on, quiet outside business hours, no tray', async () => {
    installMock();
    renderWithSession(<SettingsView page="notifications" />);
    expect(await screen.findByLabelText('Tickets assigned to me')).toBeChecked();
    expect(screen.getByLabelText('Unassigned Urgent and High tickets')).toBeChecked();
    expect(screen.getByLabelText('@mentions')).toBeChecked();
    expect(screen.getByLabelText('Assignments')).toBeChecked();
    expect(screen.getByLabelText('Quiet outside business hours')).toBeChecked();
    expect(screen.getByLabelText('Keep Outpost in the tray when I close the window')).not.toBeChecked();
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled();
  });

  it('saves every preference in the shape the shell expects', async () => {
    const m = installMock();
    const spy = vi.spyOn(m, 'saveNotificationPrefs');
    renderWithSession(<SettingsView page="notifications" />);
    fireEvent.click(await screen.findByLabelText('@mentions'));
    fireEvent.click(screen.getByLabelText('Keep Outpost in the tray when I close the window'));
    expect(screen.getByText('Unsaved changes')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Notification settings saved.');
    expect(spy.mock.calls[0][0]).toEqual({ ...DEFAULT_NOTIFICATION_PREFS, mentions: false, keepInTray: true });
    expect(m.notificationPrefs).toEqual({ ...DEFAULT_NOTIFICATION_PREFS, mentions: false, keepInTray: true });
  });

  it('discards an edit and shows a refused save verbatim, keeping the draft', async () => {
    const m = installMock();
    renderWithSession(<SettingsView page="notifications" />);
    fireEvent.click(await screen.findByLabelText('Assignments'));
    fireEvent.click(screen.getByRole('button', { name: 'Discard' }));
    expect(screen.getByLabelText('Assignments')).toBeChecked();
    vi.spyOn(m, 'saveNotificationPrefs').mockRejectedValueOnce({ code: 'invalid_value', message: 'database is locked' });
    fireEvent.click(screen.getByLabelText('Assignments'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('database is locked');
    expect(screen.getByLabelText('Assignments')).not.toBeChecked();
    expect(m.notificationPrefs.assignments).toBe(true);
  });

  it('is reachable from the settings navigation for agents too', async () => {
    installMock({ agent: 1 });
    const onPage = vi.fn();
    renderWithSession(<SettingsView page="sla" onPage={onPage} />, { ...SESSION, agent: { ...SESSION.agent, role: 'agent' } });
    fireEvent.click(screen.getByRole('button', { name: 'Notifications' }));
    expect(onPage).toHaveBeenCalledWith('notifications');
  });
});

describe('NotificationsNotice', () => {
  it('shows a problem known at start once, and dismisses it', async () => {
    installMock({ notificationProblem: 'no D-Bus session' });
    render(<NotificationsNotice />);
    expect(await screen.findByTestId('notifications-unavailable')).toHaveTextContent(
      'Desktop notifications are unavailable: Outpost cannot reach a notification service on this computer. SLA alerts still show on the board.',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('notifications-unavailable')).toBeNull();
  });

  it('says what the problem means and keeps the raw error under collapsed technical details', async () => {
    const raw = 'org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.Notifications was not provided';
    installMock({ notificationProblem: raw });
    render(<NotificationsNotice />);
    const notice = await screen.findByTestId('notifications-unavailable');
    const message = notice.querySelector('.notify-notice-text');
    expect(message, 'the main message is a sentence of its own').not.toBeNull();
    expect(message).not.toHaveTextContent('org.freedesktop', { normalizeWhitespace: true });
    const details = notice.querySelector('details')!;
    expect(details, 'the raw error sits in a <details>').not.toBeNull();
    expect(details.open, 'the technical details start collapsed').toBe(false);
    expect(within(details).getByText('Technical details').tagName).toBe('SUMMARY');
    expect(details).toHaveTextContent(raw);
  });

  it('shows a problem found later from the shell event, and nothing while notifications work', async () => {
    const m = installMock();
    render(<NotificationsNotice />);
    await act(async () => {
      await new Promise((r) => setTimeout(r, 50));
    });
    expect(screen.queryByTestId('notifications-unavailable')).toBeNull();
    act(() => m.emitNotificationsUnavailable('org.freedesktop.Notifications was not provided'));
    const notice = await screen.findByTestId('notifications-unavailable');
    expect(notice).toHaveTextContent('Desktop notifications are unavailable:');
    expect(notice.querySelector('details')).toHaveTextContent('org.freedesktop.Notifications was not provided');
  });
});

describe('open-target events (notification clicks, tray menu)', () => {
  it('opens the ticket a notification names in the detail panel', async () => {
    const m = installMock();
    render(<App />);
    const t = m.tickets.find((x) => x.number !== null && x.status === 'open')!;
    await screen.findAllByTestId('ticket-card');
    act(() => m.emitOpenTarget({ kind: 'ticket', ticketId: t.id }));
    const panel = await screen.findByTestId('detail-panel');
    await waitFor(() => expect(panel).toHaveTextContent(t.title));
  });

  it('opens the board filtered to At Risk for a grouped notification', async () => {
    localStorage.removeItem(STORAGE_KEY);
    const m = installMock();
    render(<App />);
    await screen.findAllByTestId('ticket-card');
    act(() => m.emitOpenTarget({ kind: 'board', sla: 'at_risk' }));
    await waitFor(() => expect(JSON.parse(localStorage.getItem(STORAGE_KEY)!).sla).toBe('at_risk'));
    expect(await screen.findByRole('button', { name: 'Clear SLA filter' })).toBeInTheDocument();
    expect(screen.getByLabelText('SLA')).toHaveValue('at_risk');
  });
});
