import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { SESSION, renderWithSession, installMock } from '../test/util';
import { DetailPanel } from './DetailPanel';

const NOW = Date.parse('2026-11-25T12:00:00Z');

function open(ticketIndex = 0, session = SESSION) {
  const m = installMock();
  const t = m.tickets[ticketIndex];
  const onCardChanged = vi.fn();
  const onNavigate = vi.fn();
  renderWithSession(
    <DetailPanel ticketId={t.id} now={NOW} onClose={vi.fn()} onCardChanged={onCardChanged} onNavigate={onNavigate} />,
    session,
  );
  return { m, t, onCardChanged, onNavigate };
}

describe('DetailPanel', () => {
  it('is a dialog with an ARIA tablist; arrows move between tabs', async () => {
    open();
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    const tabs = within(screen.getByRole('tablist')).getAllByRole('tab');
    expect(tabs.map((t) => t.textContent)).toEqual(['Details', 'Comments', 'History', 'AI Insights']);
    expect(tabs[0]).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tabpanel')).toHaveAttribute('aria-labelledby', tabs[0].id);
    tabs[0].focus();
    fireEvent.keyDown(tabs[0], { key: 'ArrowRight' });
    expect(tabs[1]).toHaveAttribute('aria-selected', 'true');
    expect(tabs[1]).toHaveFocus();
    fireEvent.keyDown(tabs[1], { key: 'End' });
    expect(tabs[3]).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByText('AI Insights is not enabled on this plan')).toBeInTheDocument();
  });

  it('shows the local insights when the plan has AI Insights', async () => {
    open(0, { ...SESSION, workspace: { ...SESSION.workspace, plan: { aiInsights: true } } });
    fireEvent.click(screen.getByRole('tab', { name: 'AI Insights' }));
    expect(await screen.findByRole('heading', { name: 'Analysis' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Related articles' })).toBeInTheDocument();
    expect(screen.queryByText('AI Insights is not enabled on this plan')).not.toBeInTheDocument();
  });

  it('changes the status and shows the history entry with labels', async () => {
    const { t, onCardChanged } = open(0);
    const status = await screen.findByLabelText('Status');
    const next = t.status === 'resolved' ? 'open' : 'resolved';
    const labels = { open: 'Open', resolved: 'Resolved', in_progress: 'In Progress', waiting: 'Waiting', closed: 'Closed' };
    const before = labels[t.status];
    fireEvent.change(status, { target: { value: next } });
    await waitFor(() => expect(onCardChanged).toHaveBeenCalled());
    fireEvent.click(screen.getByRole('tab', { name: 'History' }));
    const items = await screen.findAllByRole('listitem');
    expect(items[0]).toHaveTextContent(`${SESSION.agent.name} changed status`);
    expect(items[0]).toHaveTextContent(`${before}→ to ${labels[next]}`);
  });

  it('edits the title inline and rejects an empty one', async () => {
    const { m, t } = open(1);
    const title = await screen.findByLabelText('Title');
    fireEvent.change(title, { target: { value: 'Printer on fire' } });
    fireEvent.keyDown(title, { key: 'Enter' });
    await waitFor(() => expect(m.tickets[1].title).toBe('Printer on fire'));
    fireEvent.change(title, { target: { value: '   ' } });
    fireEvent.keyDown(title, { key: 'Enter' });
    expect(await screen.findByRole('alert')).toHaveTextContent('The title cannot be empty.');
    expect(t.title).toBe('Printer on fire');
  });

  it('links to the conversation when there is one', async () => {
    const m = installMock();
    const idx = m.tickets.findIndex((t) => t.conversationId);
    const onNavigate = vi.fn();
    renderWithSession(
      <DetailPanel ticketId={m.tickets[idx].id} now={NOW} onClose={vi.fn()} onCardChanged={vi.fn()} onNavigate={onNavigate} />,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Link to conversation' }));
    expect(onNavigate).toHaveBeenCalledWith('inbox', expect.any(String));
  });

  it('adds a comment with an @mention picked from the autocomplete', async () => {
    open(2);
    fireEvent.click(screen.getByRole('tab', { name: 'Comments' }));
    const box = await screen.findByRole('combobox');
    fireEvent.change(box, { target: { value: 'Ping @li', selectionStart: 8 } });
    const options = await screen.findAllByRole('option');
    expect(options[0]).toHaveTextContent('Liam Okafor');
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box).toHaveValue('Ping @Liam Okafor ');
    fireEvent.click(screen.getByRole('button', { name: 'Comment' }));
    const mention = await screen.findByText('@Liam Okafor', { selector: '.mention' });
    expect(mention.closest('li')).toHaveTextContent('just now');
    expect(mention.closest('li')?.querySelector('time')).toHaveAttribute('title');
  });
});
