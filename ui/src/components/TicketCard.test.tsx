import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { TicketCard } from '../bindings';
import { XSS_TITLE } from '../mock';
import { renderWithSession } from '../test/util';
import { TicketCardView } from './TicketCard';

const NOW = Date.parse('2026-11-25T12:00:00Z');

function card(over: Partial<TicketCard['ticket']> = {}): TicketCard {
  return {
    displayNumber: 'TKT-007',
    assigneeName: 'Maya Chen',
    categoryName: 'Billing',
    ticket: {
      id: 't1',
      number: 7,
      title: 'Refund not received',
      description: '',
      status: 'in_progress',
      priority: 'urgent',
      categoryId: 'c1',
      assigneeId: 'a1',
      requester: 'Acme Corp',
      conversationId: null,
      createdAt: new Date(NOW - 3600_000).toISOString(),
      updatedAt: new Date(NOW).toISOString(),
      firstResponseAt: null,
      resolvedAt: null,
      closedAt: null,
      dueAt: new Date(NOW + 130 * 60_000).toISOString(),
      dueOverride: null,
      slaState: 'on_track',
      ...over,
    },
  };
}

function renderCard(c: TicketCard, extra: Partial<Parameters<typeof TicketCardView>[0]> = {}) {
  return renderWithSession(
    <TicketCardView
      card={c}
      index={0}
      now={NOW}
      active={false}
      open={false}
      selectionMode={false}
      selected={false}
      onActivate={vi.fn()}
      onToggle={vi.fn()}
      onFocusCard={vi.fn()}
      {...extra}
    />,
  );
}

describe('TicketCard', () => {
  it('shows number, title, badges with text, assignee initials and the SLA countdown', () => {
    const { container } = renderCard(card());
    expect(screen.getByText('TKT-007')).toBeInTheDocument();
    expect(screen.getByText('Refund not received')).toBeInTheDocument();
    expect(screen.getByText('In Progress').closest('.badge')).toHaveClass('status-in_progress');
    expect(screen.getByText('Urgent').closest('.badge')).toHaveClass('priority-urgent');
    expect(screen.getByText('MC')).toBeInTheDocument();
    expect(screen.getByText('Maya Chen')).toBeInTheDocument();
    expect(screen.getByText('in 2 h 10 min')).toBeInTheDocument();
    expect(container.querySelector('[data-sla="on_track"]')).not.toBeNull();
  });

  it('shows overdue and paused states', () => {
    renderCard(card({ slaState: 'breached', dueAt: new Date(NOW - 35 * 60_000).toISOString() }));
    expect(screen.getByText('overdue by 35 min')).toBeInTheDocument();
  });

  it('renders an HTML title literally', () => {
    const { container } = renderCard(card({ title: XSS_TITLE }));
    expect(screen.getByText(XSS_TITLE)).toBeInTheDocument();
    expect(container.querySelector('img')).toBeNull();
  });

  it('shows Unassigned and a checkbox in selection mode', () => {
    const onToggle = vi.fn();
    renderCard({ ...card({ assigneeId: null }), assigneeName: null }, { selectionMode: true, selected: true, onToggle });
    expect(screen.getByText('Unassigned')).toBeInTheDocument();
    const box = screen.getByRole('checkbox', { name: 'Select TKT-007' });
    expect(box).toBeChecked();
    box.click();
    expect(onToggle).toHaveBeenCalledWith(0, false);
  });

  it('puts a separator before each meta part that exists, and none for a missing one', () => {
    const seps = (c: TicketCard) => {
      const { container, unmount } = renderCard(c);
      const meta = container.querySelector('.card-meta')!;
      const found = {
        seps: meta.querySelectorAll('.card-sep').length,
        category: meta.querySelector('.card-category')?.textContent ?? null,
        requester: meta.querySelector('.card-requester')?.textContent ?? null,
      };
      unmount();
      return found;
    };
    expect(seps(card()), 'category and requester each follow one separator').toEqual({
      seps: 2,
      category: '·Billing',
      requester: '·Acme Corp',
    });
    expect(seps({ ...card(), categoryName: null }), 'no category: no empty part, one separator').toEqual({
      seps: 1,
      category: null,
      requester: '·Acme Corp',
    });
    expect(seps(card({ requester: '  ' })), 'blank requester: no empty part, one separator').toEqual({
      seps: 1,
      category: '·Billing',
      requester: null,
    });
    expect(seps({ ...card({ requester: '' }), categoryName: null }), 'neither: no separator at all').toEqual({
      seps: 0,
      category: null,
      requester: null,
    });
  });
});
