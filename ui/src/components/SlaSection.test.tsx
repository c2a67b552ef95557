import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Ticket } from '../bindings';
import { installBackend, type SlaView } from '../ipc';
import { createMockBackend } from '../mock';
import { renderWithSession } from '../test/util';
import { SlaSection, SlaTimeline } from './SlaSection';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const iso = (m: number) => new Date(NOW + m * 60_000).toISOString();

function withSla(sla: SlaView | null) {
  const m = createMockBackend({ count: 5, now: () => NOW });
  installBackend({ ...m, getTicketSla: async () => sla });
  return m;
}

const base: SlaView = {
  policyId: 'high',
  state: 'at_risk',
  dueAt: iso(130),
  firstResponse: {
    target: 'first_response',
    state: 'met',
    targetMinutes: 60,
    deadline: null,
    atRiskAt: null,
    elapsedMinutes: 20,
    remainingMinutes: 40,
    overdueMinutes: 0,
    completedAt: iso(-300),
  },
  resolution: {
    target: 'resolution',
    state: 'at_risk',
    targetMinutes: 480,
    deadline: iso(130),
    atRiskAt: iso(-20),
    elapsedMinutes: 350,
    remainingMinutes: 130,
    overdueMinutes: 0,
    completedAt: null,
  },
  nextChange: iso(130),
  clockChangeAt: null,
  explanation: [
    { start: iso(-600), end: iso(-300), kind: 'running', projected: false },
    { start: iso(-300), end: iso(-200), kind: 'paused', projected: false },
    { start: iso(-200), end: iso(-100), kind: 'outside_business_hours', projected: false },
    { start: iso(-100), end: iso(0), kind: 'holiday', projected: false },
    { start: iso(0), end: iso(130), kind: 'running', projected: true },
  ],
  snapshot: { state: 'at_risk', dueAt: iso(130), atRiskAt: iso(-20), breachAt: iso(130), nextChange: iso(130) },
};

describe('SlaSection', () => {
  it('shows each target with state, relative deadline, business time and the policy name', async () => {
    const m = withSla(base);
    renderWithSession(<SlaSection ticket={m.tickets[0]} now={NOW} />);
    expect(await screen.findByTestId('sla-policy')).toHaveTextContent('Policy: High');
    const fr = screen.getByTestId('sla-target-first_response');
    expect(fr).toHaveTextContent('First response');
    expect(within(fr).getByText('Met')).toHaveAttribute('data-sla', 'met');
    expect(fr).toHaveTextContent('Used 20 min of 1 h');
    const res = screen.getByTestId('sla-target-resolution');
    expect(within(res).getByText('At risk')).toHaveClass('sla-at_risk');
    expect(res).toHaveTextContent('in 2 h 10 min');
    expect(res).toHaveTextContent('2 h 10 min of business time left of 8 h');
  });

  it('states breached and paused targets in words', async () => {
    const m = withSla({
      ...base,
      firstResponse: { ...base.resolution!, target: 'first_response', state: 'breached', deadline: iso(-35), overdueMinutes: 35 },
      resolution: { ...base.resolution!, state: 'paused', deadline: iso(300), remainingMinutes: 90 },
    });
    renderWithSession(<SlaSection ticket={m.tickets[0]} now={NOW} />);
    const fr = await screen.findByTestId('sla-target-first_response');
    expect(fr).toHaveTextContent('Breached');
    expect(fr).toHaveTextContent('overdue by 35 min');
    expect(fr).toHaveTextContent('35 min of business time overdue');
    const res = screen.getByTestId('sla-target-resolution');
    expect(res).toHaveTextContent('Paused');
    expect(res).toHaveTextContent('if resumed now');
    expect(res).toHaveTextContent('paused');
  });

  it('says so when the due date was set manually, and when no policy applies', async () => {
    const m = withSla(null);
    const t: Ticket = { ...m.tickets[0], dueOverride: iso(600) };
    renderWithSession(<SlaSection ticket={t} now={NOW} />);
    expect(await screen.findByText('No SLA policy applies to this ticket.')).toBeInTheDocument();
    expect(screen.getByTestId('sla-override')).toHaveTextContent('set manually');
  });

  it('renders the explanation timeline with every kind and marks projected parts', async () => {
    const m = withSla(base);
    renderWithSession(<SlaSection ticket={m.tickets[0]} now={NOW} />);
    expect(await screen.findByText('Why this due date?')).toBeInTheDocument();
    const items = within(screen.getByRole('list', { name: 'SLA timeline' })).getAllByRole('listitem');
    expect(items.map((li) => li.getAttribute('data-kind'))).toEqual([
      'running',
      'paused',
      'outside_business_hours',
      'holiday',
      'running',
    ]);
    expect(items[1]).toHaveTextContent('Paused (Waiting)');
    expect(items[2]).toHaveTextContent('Outside business hours');
    expect(items[3]).toHaveTextContent('Holiday');
    expect(items[0]).toHaveTextContent('5 h');
    expect(items[4]).toHaveTextContent('projected');
    expect(items[0]).not.toHaveTextContent('projected');
  });

  it('explains an empty timeline', () => {
    renderWithSession(<SlaTimeline intervals={[]} now={NOW} />);
    expect(screen.getByText(/no clock has run/)).toBeInTheDocument();
  });

  it('works end to end against the mock engine', async () => {
    const m = createMockBackend({ count: 50, now: () => NOW });
    installBackend(m);
    const t = m.tickets.find((x) => x.status === 'open')!;
    renderWithSession(<SlaSection ticket={t} now={NOW} />);
    expect(await screen.findByTestId('sla-target-resolution')).toBeInTheDocument();
    expect(screen.getAllByRole('listitem', { hidden: true }).length).toBeGreaterThan(2);
  });
});
