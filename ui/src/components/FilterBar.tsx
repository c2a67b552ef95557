//! The filter bar: Status, Priority, Assigned To (agents, Me, Unassigned),
//! Category, SLA, and the sort; below it the active filters as clearable chips.

import type { AssigneeFilter, Priority, SlaBucket, SortOrder, Status } from '../bindings';
import { activeChips, clearedFilters, hasActiveFilters, withoutFilter, type Filters } from '../lib/filters';
import { SLA_BUCKETS, SLA_BUCKET_LABEL, SORTS, SORT_LABEL } from '../lib/format';
import { useSession } from '../lib/session';
import { CloseIcon } from './Icons';
import { AgentOptions, CategoryOptions, PriorityOptions, StatusOptions } from './Options';

type Props = { filters: Filters; onChange: (f: Filters) => void };

function assigneeValue(a: AssigneeFilter): string {
  return a.kind === 'agent' ? `agent:${a.agentId}` : a.kind;
}

function parseAssignee(v: string): AssigneeFilter {
  if (v.startsWith('agent:')) return { kind: 'agent', agentId: v.slice(6) };
  if (v === 'me' || v === 'unassigned') return { kind: v };
  return { kind: 'anyone' };
}

export function FilterBar({ filters, onChange }: Props) {
  const session = useSession();
  const chips = activeChips(filters, session);
  const set = (patch: Partial<Filters>) => onChange({ ...filters, ...patch });
  return (
    <div className="filterbar">
      <div className="filters" role="group" aria-label="Filters">
        <label className={`select${filters.status ? ' is-set' : ''}`}>
          <span className="select-label">Status</span>
          <select
            aria-label="Status"
            value={filters.status ?? ''}
            onChange={(e) => set({ status: (e.target.value || null) as Status | null })}
          >
            <option value="">All</option>
            <StatusOptions />
          </select>
        </label>
        <label className={`select${filters.priority ? ' is-set' : ''}`}>
          <span className="select-label">Priority</span>
          <select
            aria-label="Priority"
            value={filters.priority ?? ''}
            onChange={(e) => set({ priority: (e.target.value || null) as Priority | null })}
          >
            <option value="">All</option>
            <PriorityOptions />
          </select>
        </label>
        <label className={`select${filters.assignee.kind !== 'anyone' ? ' is-set' : ''}`}>
          <span className="select-label">Assigned to</span>
          <select
            aria-label="Assigned to"
            value={assigneeValue(filters.assignee)}
            onChange={(e) => set({ assignee: parseAssignee(e.target.value) })}
          >
            <option value="anyone">Anyone</option>
            <option value="me">Me</option>
            <option value="unassigned">Unassigned</option>
            <optgroup label="Agents">
              <AgentOptions agents={session.agents} valuePrefix="agent:" />
            </optgroup>
          </select>
        </label>
        <label className={`select${filters.categoryId ? ' is-set' : ''}`}>
          <span className="select-label">Category</span>
          <select
            aria-label="Category"
            value={filters.categoryId ?? ''}
            onChange={(e) => set({ categoryId: e.target.value || null })}
          >
            <option value="">All</option>
            <CategoryOptions categories={session.categories} />
          </select>
        </label>
        <label className={`select${filters.sla ? ' is-set' : ''}`}>
          <span className="select-label">SLA</span>
          <select
            aria-label="SLA"
            value={filters.sla ?? ''}
            onChange={(e) => set({ sla: (e.target.value || null) as SlaBucket | null })}
          >
            <option value="">All</option>
            {SLA_BUCKETS.map((b) => (
              <option key={b} value={b}>
                {SLA_BUCKET_LABEL[b]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {chips.length > 0 && (
        <ul className="chips" aria-label="Active filters">
          {chips.map((c) => (
            <li key={c.key} className="chip">
              <span className="chip-label">{c.label}:</span> {c.value}
              <button
                type="button"
                className="chip-x"
                aria-label={`Clear ${c.label} filter`}
                onClick={() => onChange(withoutFilter(filters, c.key))}
              >
                <CloseIcon size={12} />
              </button>
            </li>
          ))}
          {hasActiveFilters(filters) && (
            <li>
              <button type="button" className="link-button" onClick={() => onChange(clearedFilters(filters))}>
                Clear all
              </button>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}

/** The sort order picker (shown in the board header). */
export function SortSelect({ value, onChange }: { value: SortOrder; onChange: (s: SortOrder) => void }) {
  return (
    <label className="select select-sort">
      <span className="select-label">Sort</span>
      <select aria-label="Sort" value={value} onChange={(e) => onChange(e.target.value as SortOrder)}>
        {SORTS.map((s) => (
          <option key={s} value={s}>
            {SORT_LABEL[s]}
          </option>
        ))}
      </select>
    </label>
  );
}
