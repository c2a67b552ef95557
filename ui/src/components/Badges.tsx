//! Badges and avatars. Every badge carries its text, so color is never the
//! only signal (spec: priority Urgent red, High orange, Normal blue, Low gray;
//! status Open blue, In Progress amber, Waiting purple, Resolved green, Closed gray).

import type { Priority, SlaState, Status } from '../bindings';
import { PRIORITY_LABEL, STATUS_LABEL, avatarHue, initials } from '../lib/format';

export function StatusBadge({ status }: { status: Status }) {
  return (
    <span className={`badge status-${status}`} data-status={status}>
      <span className="badge-dot" aria-hidden="true" />
      {STATUS_LABEL[status]}
    </span>
  );
}

const PRIORITY_BARS: Record<Priority, number> = { urgent: 4, high: 3, normal: 2, low: 1 };

export function PriorityBadge({ priority }: { priority: Priority }) {
  return (
    <span className={`badge priority-${priority}`} data-priority={priority}>
      <span className="prio-bars" aria-hidden="true">
        {[1, 2, 3, 4].map((i) => (
          <i key={i} className={i <= PRIORITY_BARS[priority] ? 'on' : ''} />
        ))}
      </span>
      {PRIORITY_LABEL[priority]}
    </span>
  );
}

export function Avatar({ id, name, size = 22 }: { id: string | null; name: string | null; size?: number }) {
  if (!id || !name) {
    return (
      <span className="avatar avatar-empty" style={{ width: size, height: size }} aria-hidden="true">
        ?
      </span>
    );
  }
  return (
    <span
      className="avatar"
      style={{ width: size, height: size, fontSize: size * 0.42, ['--hue' as string]: avatarHue(id) }}
      aria-hidden="true"
    >
      {initials(name)}
    </span>
  );
}

/** The SLA countdown text, colored by SLA state. */
export function SlaText({ state, text, title }: { state: SlaState; text: string; title?: string }) {
  return (
    <span className={`sla sla-${state}`} title={title} data-sla={state}>
      <svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true">
        <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" strokeWidth="1.5" />
        <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      </svg>
      {text}
    </span>
  );
}
