import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { AGENTS } from '../mock/data';
import { SESSION, installMock, renderWithSession } from '../test/util';
import { SettingsView } from './SettingsView';

async function open(session = SESSION) {
  const m = installMock({ agent: session.agent.role === 'admin' ? 0 : 1 });
  renderWithSession(<SettingsView />, session);
  await screen.findByTestId('policy-high');
  return m;
}

describe('SettingsView (SLA policies)', () => {
  it('saves an edited target with the settings payload shape the core expects', async () => {
    const m = await open();
    const spy = vi.spyOn(m, 'saveSlaSettings');
    const high = screen.getByTestId('policy-high');
    fireEvent.change(within(high).getByLabelText('First response hours'), { target: { value: '2' } });
    fireEvent.change(within(high).getByLabelText('First response minutes'), { target: { value: '30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('SLA settings saved');
    const sent = spy.mock.calls[0][0];
    expect(Object.keys(sent).sort()).toEqual(['calendars', 'policies', 'weekStart']);
    expect(sent.weekStart).toBe('mon');
    const p = sent.policies.policies.find((x) => x.id === 'high')!;
    expect(p).toMatchObject({ firstResponseMinutes: 150, calendar: { kind: 'shared', id: 'business-hours' }, categoryId: null });
    expect(sent.policies.policies[0].calendar).toEqual({ kind: 'embedded', calendar: { kind: 'alwaysOpen' } });
    const cal = sent.calendars[0].calendar;
    expect(cal.kind).toBe('businessHours');
    if (cal.kind === 'businessHours') {
      expect(cal.hours[0]).toEqual({ day: 'mon', start: '09:00', end: '17:00' });
      expect(cal.timezone).toBe('Europe/Paris');
    }
    expect(m.sla.policies.policies[1].firstResponseMinutes).toBe(150);
  });

  it('shows inline messages for overlapping intervals, zero targets and unknown timezones, and blocks Save', async () => {
    await open();
    const cal = screen.getByTestId('calendar-business-hours');
    fireEvent.click(within(cal).getByRole('button', { name: 'Add Tuesday interval' }));
    fireEvent.change(within(cal).getByLabelText('Tuesday interval 1 end'), { target: { value: '12:30' } });
    fireEvent.change(within(cal).getByLabelText('Tuesday interval 2 start'), { target: { value: '12:00' } });
    fireEvent.change(within(cal).getByLabelText('Tuesday interval 2 end'), { target: { value: '17:00' } });
    expect(within(cal).getByRole('alert')).toHaveTextContent('Tuesday 09:00–12:30 overlaps 12:00–17:00.');
    fireEvent.change(within(cal).getByLabelText('Wednesday interval 1 end'), { target: { value: '08:00' } });
    expect(within(cal).getAllByRole('alert')[1]).toHaveTextContent('Wednesday 09:00–08:00 ends before it starts.');
    fireEvent.change(within(cal).getByLabelText('Timezone'), { target: { value: 'Mars/Olympus' } });
    expect(within(cal).getByText(/Unknown timezone "Mars\/Olympus"/)).toBeInTheDocument();
    const low = screen.getByTestId('policy-low');
    fireEvent.change(within(low).getByLabelText('Resolution hours'), { target: { value: '0' } });
    expect(within(low).getByRole('alert')).toHaveTextContent('Resolution target must be greater than 0.');
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled();
    expect(screen.getByText(/problems to fix before saving/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Discard' }));
    expect(screen.queryAllByRole('alert')).toHaveLength(0);
  });

  it('shows server errors verbatim', async () => {
    const m = await open();
    vi.spyOn(m, 'saveSlaSettings').mockRejectedValue({ code: 'invalid_value', message: 'invalid timezone: unknown timezone "X"' });
    fireEvent.click(within(screen.getByTestId('policy-high')).getByRole('button', { name: 'Move High up' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByTestId('server-error')).toHaveTextContent('invalid timezone: unknown timezone "X"');
  });

  it('reorders, adds and removes policies; a calendar in use cannot be removed', async () => {
    await open();
    fireEvent.click(within(screen.getByTestId('policy-low')).getByRole('button', { name: 'Move Low up' }));
    const order = () => screen.getAllByTestId(/^policy-/).map((el) => el.getAttribute('data-testid'));
    expect(order()).toEqual(['policy-urgent', 'policy-high', 'policy-low', 'policy-normal']);
    fireEvent.click(screen.getByRole('button', { name: '+ Add policy' }));
    const added = screen.getByTestId('policy-policy-1');
    expect(within(added).getByRole('alert')).toHaveTextContent('Pick at least one priority.');
    fireEvent.click(within(added).getByRole('button', { name: 'Remove New policy' }));
    expect(screen.queryByTestId('policy-policy-1')).toBeNull();
    expect(screen.getByRole('button', { name: 'Remove calendar Business hours' })).toBeDisabled();
  });

  it('is read-only for agents, with a note', async () => {
    const agent = { ...SESSION, agent: AGENTS[1] };
    await open(agent);
    expect(screen.getByRole('note')).toHaveTextContent('read-only');
    expect(within(screen.getByTestId('policy-high')).getByLabelText('First response hours')).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Save' })).toBeNull();
  });

  it('the mock server rejects agents and bad settings like the core', async () => {
    const m = installMock({ agent: 1 });
    await expect(m.saveSlaSettings(m.sla)).rejects.toMatchObject({ code: 'forbidden' });
    const admin = installMock();
    const bad = structuredClone(admin.sla);
    const cal = bad.calendars[0].calendar;
    if (cal.kind === 'businessHours') cal.hours.push({ day: 'mon', start: '12:00', end: '18:00' });
    await expect(admin.saveSlaSettings(bad)).rejects.toMatchObject({
      code: 'invalid_value',
      message: 'invalid openingHours: Monday 09:00–17:00 overlaps 12:00–18:00; intervals on a day may touch but not overlap',
    });
    await waitFor(() => expect(admin.sla.calendars[0].calendar).toEqual(cal.kind === 'businessHours' ? { ...cal, hours: cal.hours.slice(0, 5) } : cal));
  });
});
