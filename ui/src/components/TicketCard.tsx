//! One ticket on the board: number, title, status and priority badges,
//! category, requester, assignee (avatar initials + name) and the SLA
//! countdown. Everything from data is rendered as text. Category and requester
//! are optional parts of the meta line: each present one comes after a "·",
//! and a missing one takes its separator with it.

import { memo, type MouseEvent } from 'react';
import type { TicketCard as Card } from '../bindings';
import { formatExact, slaCountdown, SLA_STATE_LABEL } from '../lib/format';
import { Avatar, PriorityBadge, SlaText, StatusBadge } from './Badges';

type Props = {
  card: Card;
  index: number;
  now: number;
  active: boolean;
  open: boolean;
  selectionMode: boolean;
  selected: boolean;
  onActivate: (index: number, e: MouseEvent) => void;
  onToggle: (index: number, shift: boolean) => void;
  onFocusCard: (index: number) => void;
};

export const TicketCardView = memo(function TicketCardView({
  card,
  index,
  now,
  active,
  open,
  selectionMode,
  selected,
  onActivate,
  onToggle,
  onFocusCard,
}: Props) {
  const t = card.ticket;
  const countdown = slaCountdown(t.slaState, t.dueAt, now);
  const parts = [
    { key: 'category', text: card.categoryName },
    { key: 'requester', text: t.requester },
  ].filter((p): p is { key: string; text: string } => !!p.text?.trim());
  return (
    <div
      role="listitem"
      className={`card${active ? ' is-active' : ''}${open ? ' is-open' : ''}${selected ? ' is-selected' : ''}`}
      tabIndex={active ? 0 : -1}
      data-index={index}
      data-ticket-id={t.id}
      data-testid="ticket-card"
      aria-current={open ? 'true' : undefined}
      onClick={(e) => onActivate(index, e)}
      onFocus={() => onFocusCard(index)}
    >
      {selectionMode && (
        <input
          type="checkbox"
          className="card-check"
          checked={selected}
          aria-label={`Select ${card.displayNumber}`}
          tabIndex={-1}
          onClick={(e) => {
            e.stopPropagation();
            onToggle(index, e.shiftKey);
          }}
          onChange={() => {
            // Handled in onClick, which knows about the shift key.
          }}
        />
      )}
      <div className="card-main">
        <div className="card-line">
          <span className="card-number">{card.displayNumber}</span>
          <span className="card-title">{t.title}</span>
          {countdown && (
            <SlaText
              state={t.slaState}
              text={countdown}
              title={t.dueAt ? `${SLA_STATE_LABEL[t.slaState]} · due ${formatExact(t.dueAt)}` : undefined}
            />
          )}
        </div>
        <div className="card-line card-meta">
          <StatusBadge status={t.status} />
          <PriorityBadge priority={t.priority} />
          {parts.map((p) => (
            <span key={p.key} className={`card-${p.key}`}>
              <span className="card-sep" aria-hidden="true">
                ·
              </span>
              {p.text}
            </span>
          ))}
          <span className="card-assignee">
            <Avatar id={t.assigneeId} name={card.assigneeName} />
            <span className={card.assigneeName ? '' : 'muted'}>{card.assigneeName ?? 'Unassigned'}</span>
          </span>
        </div>
      </div>
    </div>
  );
});
