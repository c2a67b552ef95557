//! Details tab: inline title edit, status / priority / assignee / category
//! dropdowns, due date with SLA state, requester, dates, and the link to the
//! conversation the ticket came from.

import { useState } from 'react';
import type { Priority, SlaState, Status, TicketDetail, TicketPatch } from '../bindings';
import { SLA_STATE_LABEL, formatDateTime, formatExact, relativeTime, slaCountdown } from '../lib/format';
import { useSession } from '../lib/session';
import { Avatar, PriorityBadge, SlaText, StatusBadge } from './Badges';
import { LinkIcon } from './Icons';
import { AgentOptions, CategoryOptions, PriorityOptions, StatusOptions } from './Options';
import { SlaSection } from './SlaSection';
import type { View } from './Sidebar';

type Props = {
  detail: TicketDetail;
  now: number;
  onPatch: (p: TicketPatch) => Promise<boolean>;
  onNavigate: (v: View, section?: string) => void;
};

/** "At risk · in 12 min", "Overdue by 35 min", "Paused", "Met". */
function slaSummary(state: SlaState, countdown: string | null): string {
  if (state === 'breached' && countdown) return countdown.charAt(0).toUpperCase() + countdown.slice(1);
  if ((state === 'on_track' || state === 'at_risk') && countdown) return `${SLA_STATE_LABEL[state]} · due ${countdown}`;
  return SLA_STATE_LABEL[state];
}

export function DetailsTab({ detail, now, onPatch, onNavigate }: Props) {
  const session = useSession();
  const { card, conversation } = detail;
  const t = card.ticket;
  const [draft, setDraft] = useState<string | null>(null);
  const countdown = slaCountdown(t.slaState, t.dueAt, now);

  const commitTitle = async () => {
    if (draft === null) return;
    const next = draft.trim();
    if (next === t.title) {
      setDraft(null);
      return;
    }
    if (await onPatch({ title: next })) setDraft(null);
  };

  return (
    <div className="details">
      <textarea
        className="title-input"
        aria-label="Title"
        rows={2}
        value={draft ?? t.title}
        onChange={(e) => setDraft(e.target.value.replace(/\n/g, ' '))}
        onBlur={() => void commitTitle()}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void commitTitle();
          } else if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            setDraft(null);
            e.currentTarget.blur();
          }
        }}
      />
      <div className="detail-badges">
        <StatusBadge status={t.status} />
        <PriorityBadge priority={t.priority} />
        {countdown && <SlaText state={t.slaState} text={countdown} />}
      </div>

      <dl className="fields">
        <dt>
          <label htmlFor="f-status">Status</label>
        </dt>
        <dd>
          <select
            id="f-status"
            value={t.status}
            onChange={(e) => void onPatch({ status: e.target.value as Status })}
          >
            <StatusOptions />
          </select>
        </dd>
        <dt>
          <label htmlFor="f-priority">Priority</label>
        </dt>
        <dd>
          <select
            id="f-priority"
            value={t.priority}
            onChange={(e) => void onPatch({ priority: e.target.value as Priority })}
          >
            <PriorityOptions />
          </select>
        </dd>
        <dt>
          <label htmlFor="f-assignee">Assigned to</label>
        </dt>
        <dd className="with-avatar">
          <Avatar id={t.assigneeId} name={card.assigneeName} />
          <select
            id="f-assignee"
            value={t.assigneeId ?? ''}
            onChange={(e) => void onPatch({ assigneeId: e.target.value || null })}
          >
            <option value="">Unassigned</option>
            <AgentOptions agents={session.agents} meId={session.agent.id} />
          </select>
        </dd>
        <dt>
          <label htmlFor="f-category">Category</label>
        </dt>
        <dd>
          <select
            id="f-category"
            value={t.categoryId ?? ''}
            onChange={(e) => void onPatch({ categoryId: e.target.value || null })}
          >
            <option value="">No category</option>
            <CategoryOptions categories={session.categories} />
          </select>
        </dd>
        <dt>Due date</dt>
        <dd data-testid="due-date">
          {t.dueAt ? (
            <span title={formatExact(t.dueAt)}>
              {formatDateTime(t.dueAt)}
              {t.dueOverride ? ' (set manually)' : ''}
            </span>
          ) : (
            <span className="muted">No SLA deadline</span>
          )}
        </dd>
        <dt>SLA</dt>
        <dd>
          <span className={`sla sla-${t.slaState}`}>{slaSummary(t.slaState, countdown)}</span>
        </dd>
        <dt>Requester</dt>
        <dd>{t.requester || <span className="muted">Unknown</span>}</dd>
        <dt>Created</dt>
        <dd title={formatExact(t.createdAt)}>{relativeTime(t.createdAt, now)}</dd>
        <dt>Updated</dt>
        <dd title={formatExact(t.updatedAt)}>{relativeTime(t.updatedAt, now)}</dd>
      </dl>

      <SlaSection ticket={t} now={now} />

      {conversation && (
        <div className="conversation-link">
          <div>
            <div className="muted small">Conversation · {conversation.channel}</div>
            <div className="conv-subject">{conversation.subject}</div>
            <div className="muted small">
              {conversation.customerName} · {conversation.customerContact}
            </div>
          </div>
          <button type="button" className="button" onClick={() => onNavigate('inbox', conversation.id)}>
            <LinkIcon /> Link to conversation
          </button>
        </div>
      )}

      {t.description && (
        <section className="description">
          <h3>Description</h3>
          <p>{t.description}</p>
        </section>
      )}
    </div>
  );
}
