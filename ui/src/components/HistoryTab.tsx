//! History tab: the audit trail, newest first — who, when, which field, and
//! old → new with ids and codes resolved to the labels agents read.

import { useEffect, useState } from 'react';
import type { HistoryEvent, Priority, SlaState, Status } from '../bindings';
import type { Session } from '../ipc';
import { listComments, listHistory, toIpcError } from '../ipc';
import {
  HISTORY_FIELD_LABEL,
  PRIORITY_LABEL,
  SLA_STATE_LABEL,
  STATUS_LABEL,
  formatDateTime,
  formatExact,
  relativeTime,
} from '../lib/format';
import { agentName, categoryName, useSession } from '../lib/session';
import { Avatar } from './Badges';

/** A stored history value as the label an agent reads. */
export function historyValue(e: HistoryEvent, v: string | null, s: Session): string {
  if (v === null || v === '') {
    if (e.field === 'assignee') return 'Unassigned';
    if (e.field === 'category') return 'No category';
    if (e.field === 'due_date') return 'SLA deadline';
    return '—';
  }
  switch (e.field) {
    case 'status':
      return STATUS_LABEL[v as Status] ?? v;
    case 'priority':
      return PRIORITY_LABEL[v as Priority] ?? v;
    case 'sla':
      return SLA_STATE_LABEL[v as SlaState] ?? v;
    case 'assignee':
      return agentName(s, v) ?? v;
    case 'category':
      return categoryName(s, v) ?? v;
    case 'due_date':
      return Number.isNaN(Date.parse(v)) ? v : formatDateTime(v);
    default:
      return v;
  }
}

export function HistoryTab({ ticketId, now, version }: { ticketId: string; now: number; version: number }) {
  const session = useSession();
  const [events, setEvents] = useState<HistoryEvent[] | null>(null);
  // A comment's history entry stores the comment's id: quote its text.
  const [comments, setComments] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    listHistory(ticketId)
      .then((h) => live && setEvents(h))
      .catch((e) => live && setError(toIpcError(e).message));
    listComments(ticketId)
      .then((cs) => live && setComments(new Map(cs.map((c) => [c.id, c.body]))))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [ticketId, version]);

  if (error) return <div role="alert" className="form-error">{error}</div>;
  if (!events) return <div className="panel-loading">Loading…</div>;
  return (
    <ol className="history" aria-label="History, newest first">
      {events.map((e) => {
        const who = e.actorId ? (agentName(session, e.actorId) ?? 'Unknown agent') : 'System';
        return (
          <li key={e.id} className="history-item" data-field={e.field}>
            {e.actorId ? <Avatar id={e.actorId} name={who} size={24} /> : <span className="avatar avatar-system" aria-hidden="true">⚙</span>}
            <div className="history-main">
              <div>
                <strong>{who}</strong>{' '}
                {e.field === 'created' ? (
                  <span>created the ticket</span>
                ) : e.field === 'comment' ? (
                  <span>commented</span>
                ) : e.field === 'conflict' ? (
                  <span>had a conflicting edit</span>
                ) : (
                  <span>
                    changed <span className="history-field">{HISTORY_FIELD_LABEL[e.field]}</span>
                  </span>
                )}
                <time dateTime={e.at} title={formatExact(e.at)} className="muted history-time">
                  {relativeTime(e.at, now)}
                </time>
              </div>
              {e.field === 'comment' && e.newValue && comments.has(e.newValue) && (
                <div className="history-quote">{comments.get(e.newValue)}</div>
              )}
              {e.field !== 'created' && e.field !== 'comment' && (
                <div className="history-change">
                  <span className="old">{historyValue(e, e.oldValue, session)}</span>
                  <span aria-hidden="true" className="arrow">
                    →
                  </span>
                  <span className="visually-hidden"> to </span>
                  <span className="new">{historyValue(e, e.newValue, session)}</span>
                </div>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
