//! The Details tab's SLA section: each target (first response, resolution)
//! with its state, deadline (exact and relative), business time left or
//! overdue, the policy in force, a note when an admin overrode the due date,
//! and the "Why this due date?" timeline from `get_ticket_sla`.

import { useEffect, useState } from 'react';
import type { Interval, IntervalKind, SlaTarget, Ticket } from '../bindings';
import { getSlaSettings, getTicketSla, toIpcError, type SlaView, type TargetView } from '../ipc';
import {
  TARGET_STATE_LABEL,
  formatBusiness,
  formatDateTime,
  formatExact,
  formatSpan,
} from '../lib/format';

export const TARGET_LABEL: Record<SlaTarget, string> = {
  first_response: 'First response',
  resolution: 'Resolution',
};

export const INTERVAL_LABEL: Record<IntervalKind, string> = {
  running: 'Clock running',
  paused: 'Paused (Waiting)',
  outside_business_hours: 'Outside business hours',
  holiday: 'Holiday',
  stopped: 'Stopped',
};

type Loaded = { sla: SlaView | null; policyName: string | null };

/** "in 2 h 10 min", "overdue by 35 min", "paused", "met", "missed". */
export function targetCountdown(t: TargetView, now: number): string {
  switch (t.state) {
    case 'paused':
      return 'paused';
    case 'met':
      return 'met';
    case 'missed':
      return 'missed';
    default: {
      if (!t.deadline) return '';
      const diff = Date.parse(t.deadline) - now;
      return diff >= 0 ? `in ${formatSpan(diff)}` : `overdue by ${formatSpan(-diff)}`;
    }
  }
}

/** Business time in words for one target. */
export function targetBusiness(t: TargetView): string {
  const target = formatBusiness(t.targetMinutes);
  switch (t.state) {
    case 'on_track':
    case 'at_risk':
      return `${formatBusiness(t.remainingMinutes)} of business time left of ${target}`;
    case 'paused':
      return `${formatBusiness(t.remainingMinutes)} of business time left of ${target}; the clock resumes when the ticket leaves Waiting`;
    case 'breached':
      return t.overdueMinutes > 0
        ? `${formatBusiness(t.overdueMinutes)} of business time overdue (target ${target})`
        : `All ${target} of business time used`;
    case 'met':
      return `Used ${formatBusiness(t.elapsedMinutes)} of ${target}`;
    case 'missed':
      return `${formatBusiness(t.overdueMinutes)} of business time over the ${target} target`;
    default:
      return '';
  }
}

function TargetRow({ t, now }: { t: TargetView; now: number }) {
  const countdown = targetCountdown(t, now);
  let when: React.ReactNode;
  if (t.state === 'met' || t.state === 'missed') {
    when = t.completedAt ? (
      <>
        {t.state === 'met' ? 'Met' : 'Missed'} on <time dateTime={t.completedAt} title={formatExact(t.completedAt)}>{formatDateTime(t.completedAt)}</time>
        {t.state === 'missed' && t.deadline && (
          <>
            {' '}
            · deadline was <time dateTime={t.deadline} title={formatExact(t.deadline)}>{formatDateTime(t.deadline)}</time>
          </>
        )}
      </>
    ) : null;
  } else if (t.deadline) {
    when = (
      <>
        {t.state === 'paused' ? 'Due ' : t.state === 'breached' ? 'Was due ' : 'Due '}
        <time dateTime={t.deadline} title={formatExact(t.deadline)}>
          {formatDateTime(t.deadline)}
        </time>
        {t.state === 'paused' ? ' if resumed now' : ''}
        {' · '}
        <span className={`sla sla-${t.state}`}>{countdown}</span>
      </>
    );
  }
  return (
    <li className="sla-target" data-testid={`sla-target-${t.target}`} data-state={t.state}>
      <div className="sla-target-head">
        <span className="sla-target-name">{TARGET_LABEL[t.target]}</span>
        <span className={`sla-pill sla-${t.state}`} data-sla={t.state}>
          <span className="sla-pill-dot" aria-hidden="true" />
          {TARGET_STATE_LABEL[t.state]}
        </span>
      </div>
      {when && <div className="sla-target-when">{when}</div>}
      <div className="sla-target-business muted small">{targetBusiness(t)}</div>
    </li>
  );
}

const rangeFmt = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const sameDay = (a: Date, b: Date) => a.toDateString() === b.toDateString();

function formatRange(i: Interval): string {
  const s = new Date(i.start);
  const e = new Date(i.end);
  return `${rangeFmt.format(s)} – ${sameDay(s, e) ? timeFmt.format(e) : rangeFmt.format(e)}`;
}

/** The explanation timeline: a proportional bar and a readable list. */
export function SlaTimeline({ intervals, now }: { intervals: Interval[]; now: number }) {
  if (intervals.length === 0) return <p className="muted small">No timeline: no clock has run for this ticket.</p>;
  const start = Date.parse(intervals[0].start);
  const end = Date.parse(intervals[intervals.length - 1].end);
  const total = Math.max(end - start, 1);
  const nowPct = Math.min(100, Math.max(0, ((now - start) / total) * 100));
  const kinds = [...new Set(intervals.map((i) => i.kind))];
  return (
    <div className="sla-timeline">
      <div className="timeline-bar" aria-hidden="true">
        {intervals.map((i, k) => (
          <span
            key={k}
            className={`timeline-seg seg-${i.kind}${i.projected ? ' is-projected' : ''}`}
            style={{ flexGrow: Date.parse(i.end) - Date.parse(i.start) }}
          />
        ))}
        {now > start && now < end && <span className="timeline-now" style={{ left: `${nowPct}%` }} />}
      </div>
      <div className="timeline-legend small muted" aria-hidden="true">
        {kinds.map((k) => (
          <span key={k}>
            <i className={`swatch seg-${k}`} /> {INTERVAL_LABEL[k]}
          </span>
        ))}
        {intervals.some((i) => i.projected) && (
          <span>
            <i className="swatch seg-running is-projected" /> Projected
          </span>
        )}
      </div>
      <ol className="timeline-list" aria-label="SLA timeline">
        {intervals.map((i, k) => (
          <li key={k} className={i.projected ? 'is-projected' : ''} data-kind={i.kind}>
            <i className={`swatch seg-${i.kind}${i.projected ? ' is-projected' : ''}`} aria-hidden="true" />
            <span className="timeline-kind">
              {INTERVAL_LABEL[i.kind]}
              {i.projected && <span className="tag">projected</span>}
            </span>
            <span className="timeline-range">{formatRange(i)}</span>
            <span className="timeline-dur">{formatSpan(Date.parse(i.end) - Date.parse(i.start))}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

export function SlaSection({ ticket, now }: { ticket: Ticket; now: number }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = [ticket.id, ticket.updatedAt, ticket.status, ticket.priority, ticket.categoryId, ticket.dueOverride, ticket.dueAt].join('|');

  useEffect(() => {
    let live = true;
    Promise.all([getTicketSla(ticket.id), getSlaSettings().catch(() => null)])
      .then(([sla, settings]) => {
        if (!live) return;
        const policy = settings?.policies.policies.find((p) => p.id === sla?.policyId);
        setLoaded({ sla, policyName: policy?.name ?? sla?.policyId ?? null });
        setError(null);
      })
      .catch((e) => live && setError(toIpcError(e).message));
    return () => {
      live = false;
    };
    // `key` covers every ticket field the evaluation depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const targets = loaded?.sla ? [loaded.sla.firstResponse, loaded.sla.resolution].filter((t): t is TargetView => !!t) : [];
  return (
    <section className="sla-section" aria-labelledby="sla-heading" data-testid="sla-section">
      <div className="sla-head">
        <h3 id="sla-heading">Service level</h3>
        {loaded?.policyName && (
          <span className="muted small" data-testid="sla-policy">
            Policy: <strong>{loaded.policyName}</strong>
          </span>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {!loaded && !error && <p className="muted small">Loading SLA…</p>}
      {ticket.dueOverride && (
        <p className="sla-note" data-testid="sla-override">
          The due date was set manually to{' '}
          <time dateTime={ticket.dueOverride} title={formatExact(ticket.dueOverride)}>
            {formatDateTime(ticket.dueOverride)}
          </time>
          ; it replaces the SLA deadline on the board. The targets below still count.
        </p>
      )}
      {loaded && !loaded.sla && <p className="muted small">No SLA policy applies to this ticket.</p>}
      {targets.length > 0 && (
        <ul className="sla-targets">
          {targets.map((t) => (
            <TargetRow key={t.target} t={t} now={now} />
          ))}
        </ul>
      )}
      {loaded?.sla && (
        <details className="sla-why">
          <summary>Why this due date?</summary>
          <p className="muted small">
            Business time counts only while a clock runs inside the calendar&rsquo;s opening hours. Waiting pauses every
            clock; Resolved and Closed stop them.
          </p>
          <SlaTimeline intervals={loaded.sla.explanation} now={now} />
        </details>
      )}
    </section>
  );
}
