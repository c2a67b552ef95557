//! The bulk action bar shown in selection mode: how many are selected, "select
//! all N matching", and change status / assign / change priority / export CSV.

import type { Priority, Status } from '../bindings';
import { formatCount } from '../lib/format';
import { useSession } from '../lib/session';
import { DownloadIcon } from './Icons';
import { AgentOptions, PriorityOptions, StatusOptions } from './Options';

type Props = {
  count: number;
  total: number;
  allMatching: boolean;
  busy: boolean;
  onSelectAllMatching: () => void;
  onClear: () => void;
  onStatus: (s: Status) => void;
  onAssign: (agentId: string | null) => void;
  onPriority: (p: Priority) => void;
  onExport: () => void;
};

export function BulkBar(p: Props) {
  const session = useSession();
  const none = p.count === 0;
  const disabled = none || p.busy;
  return (
    <div className="bulkbar" role="toolbar" aria-label="Bulk actions" data-testid="bulk-bar">
      <span className="bulk-count" aria-live="polite">
        {p.allMatching ? `All ${formatCount(p.count)} matching selected` : `${formatCount(p.count)} selected`}
      </span>
      {!p.allMatching && p.total > 0 && (
        <button type="button" className="link-button" onClick={p.onSelectAllMatching}>
          Select all {formatCount(p.total)} matching
        </button>
      )}
      {!none && (
        <button type="button" className="link-button" onClick={p.onClear}>
          Clear selection
        </button>
      )}
      <span className="spacer" />
      <select
        aria-label="Change status"
        className="action-select"
        value=""
        disabled={disabled}
        onChange={(e) => e.target.value && p.onStatus(e.target.value as Status)}
      >
        <option value="">Change status…</option>
        <StatusOptions />
      </select>
      <select
        aria-label="Assign to"
        className="action-select"
        value=""
        disabled={disabled}
        onChange={(e) => {
          const v = e.target.value;
          if (v) p.onAssign(v === 'none' ? null : v);
        }}
      >
        <option value="">Assign…</option>
        <option value="none">Unassigned</option>
        <AgentOptions agents={session.agents} meId={session.agent.id} />
      </select>
      <select
        aria-label="Change priority"
        className="action-select"
        value=""
        disabled={disabled}
        onChange={(e) => e.target.value && p.onPriority(e.target.value as Priority)}
      >
        <option value="">Change priority…</option>
        <PriorityOptions />
      </select>
      <button type="button" className="button" disabled={disabled} onClick={p.onExport}>
        <DownloadIcon /> {p.busy ? 'Working…' : 'Export CSV'}
      </button>
    </div>
  );
}
