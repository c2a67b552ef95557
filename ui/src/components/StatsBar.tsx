//! Counts per status under the other active filters. Clicking a stat filters
//! the board by that status; clicking the active one clears it.

import type { Status } from '../bindings';
import type { Counts } from '../ipc';
import { STATUSES, STATUS_LABEL, formatCount } from '../lib/format';

const COUNT_KEY: Record<Status, keyof Counts> = {
  open: 'open',
  in_progress: 'inProgress',
  waiting: 'waiting',
  resolved: 'resolved',
  closed: 'closed',
};

type Props = { counts: Counts | null; active: Status | null; onPick: (s: Status | null) => void };

export function StatsBar({ counts, active, onPick }: Props) {
  return (
    <div className="stats" role="group" aria-label="Tickets by status">
      {STATUSES.map((s) => {
        const n = counts ? counts[COUNT_KEY[s]] : null;
        const pressed = active === s;
        return (
          <button
            key={s}
            type="button"
            className={`stat stat-${s}${pressed ? ' is-pressed' : ''}`}
            aria-pressed={pressed}
            data-testid={`stat-${s}`}
            title={pressed ? `Show all statuses` : `Show only ${STATUS_LABEL[s]} tickets`}
            onClick={() => onPick(pressed ? null : s)}
          >
            <span className="stat-label">
              <span className="badge-dot" aria-hidden="true" />
              <span className="stat-label-text">{STATUS_LABEL[s]}</span>
            </span>
            <span className="stat-count">{n === null ? '–' : formatCount(n)}</span>
          </button>
        );
      })}
    </div>
  );
}
