import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { IpcError } from '../ipc';
import { AGENTS, CATEGORIES } from '../mock/data';
import { SESSION, installMock, renderWithSession } from '../test/util';
import { ReportsView } from './ReportsView';

async function open(opts = {}) {
  const m = installMock(opts);
  const spy = vi.spyOn(m, 'getReport');
  renderWithSession(<ReportsView />, SESSION);
  await screen.findByTestId('kpis');
  return { m, spy };
}

describe('ReportsView', () => {
  it('loads the last 7 days by default and shows the KPIs and every section', async () => {
    const { spy } = await open();
    expect(spy).toHaveBeenCalledWith({ period: { kind: 'last7Days' }, agentId: null, categoryId: null, priority: null });
    const report = await spy.mock.results[0].value;
    const fr = report.compliance[0];
    expect(screen.getByText('First response SLA').parentElement).toHaveTextContent(`${fr.met} met · ${fr.missed} missed`);
    for (const title of ['SLA compliance', 'Breaches by priority', 'Backlog by status', 'Created vs resolved', 'Agent load (now)'])
      expect(screen.getByRole('heading', { name: title })).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: '7 days' })).toHaveAttribute('aria-checked', 'true');
    expect(report.days).toHaveLength(7);
  });

  it('switches period and filters with one query each', async () => {
    const { spy } = await open();
    fireEvent.click(screen.getByRole('radio', { name: '30 days' }));
    await waitFor(() => expect(spy).toHaveBeenLastCalledWith(expect.objectContaining({ period: { kind: 'last30Days' } })));
    fireEvent.change(screen.getByLabelText('Agent'), { target: { value: AGENTS[2].id } });
    await waitFor(() =>
      expect(spy).toHaveBeenLastCalledWith(expect.objectContaining({ period: { kind: 'last30Days' }, agentId: AGENTS[2].id })),
    );
    fireEvent.change(screen.getByLabelText('Category'), { target: { value: CATEGORIES[1].id } });
    fireEvent.change(screen.getByLabelText('Priority'), { target: { value: 'high' } });
    await waitFor(() =>
      expect(spy).toHaveBeenLastCalledWith({
        period: { kind: 'last30Days' },
        agentId: AGENTS[2].id,
        categoryId: CATEGORIES[1].id,
        priority: 'high',
      }),
    );
    const load = await spy.mock.results[spy.mock.results.length - 1].value;
    expect(load.agentLoad.map((a: { name: string }) => a.name)).toEqual([AGENTS[2].name]);
  });

  it('shows a section as a table with the exact numbers, and back to the chart', async () => {
    const { spy } = await open();
    const report = await spy.mock.results[0].value;
    const card = screen.getByTestId('report-created_resolved');
    const toggle = within(card).getByRole('button', { name: 'Table' });
    fireEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-pressed', 'true');
    const table = within(card).getByRole('table');
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(report.days.length + 1);
    const last = report.days[report.days.length - 1];
    expect(rows[rows.length - 1]).toHaveTextContent(`${last.date}${last.created}${last.resolved}`);
    fireEvent.click(toggle);
    expect(within(card).queryByRole('table')).toBeNull();
    expect(within(card).getByRole('figure', { name: /created and resolved/ })).toBeInTheDocument();
  });

  it('exports a section to the path chosen in the save dialog, and reports a cancelled dialog as nothing', async () => {
    const { m } = await open({ savePath: '/home/agent/backlog.csv' });
    const card = screen.getByTestId('report-backlog');
    fireEvent.click(within(card).getByRole('button', { name: 'Export Backlog by status as CSV' }));
    expect(await screen.findByTestId('toast')).toHaveTextContent('Exported Backlog by status (7 rows) to /home/agent/backlog.csv');
    expect(m.reportExports).toEqual([
      expect.objectContaining({ section: 'backlog', path: '/home/agent/backlog.csv', rows: 7 }),
    ]);
    m.setSavePath(null);
    fireEvent.click(within(card).getByRole('button', { name: 'Export Backlog by status as CSV' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(m.reportExports).toHaveLength(1);
  });

  it('validates a custom range before asking, and shows the backend error with a retry', async () => {
    const { m, spy } = await open();
    fireEvent.click(screen.getByRole('radio', { name: 'Custom' }));
    const form = screen.getByRole('form', { name: 'Custom period' });
    fireEvent.change(within(form).getByLabelText('From'), { target: { value: '2026-11-20' } });
    fireEvent.change(within(form).getByLabelText('To'), { target: { value: '2026-11-10' } });
    expect(within(form).getByRole('alert')).toHaveTextContent('The end date is before the start date');
    expect(within(form).getByRole('button', { name: 'Apply' })).toBeDisabled();
    fireEvent.change(within(form).getByLabelText('To'), { target: { value: '2026-11-22' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Apply' }));
    await waitFor(() =>
      expect(spy).toHaveBeenLastCalledWith(expect.objectContaining({ period: { kind: 'custom', from: '2026-11-20', to: '2026-11-22' } })),
    );
    const r = await spy.mock.results[spy.mock.results.length - 1].value;
    expect(r.days.map((d: { date: string }) => d.date)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22']);

    spy.mockRejectedValueOnce(new IpcError({ code: 'io', message: 'disk I/O error' }));
    fireEvent.click(screen.getByRole('radio', { name: 'Today' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not compute the report: disk I/O error');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByTestId('kpis');
    expect(screen.getByTestId('report-range')).toHaveTextContent('2026-11-25 · Europe/Paris');
    expect(m.reportExports).toHaveLength(0);
  });

  it('says so when nothing happened in the period', async () => {
    installMock({ count: 0 });
    renderWithSession(<ReportsView />, SESSION);
    expect(await screen.findByTestId('reports-empty')).toHaveTextContent('No tickets in this period');
  });
});
