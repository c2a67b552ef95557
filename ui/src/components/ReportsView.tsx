//! The Reports view: SLA compliance and workload over a period, computed on
//! this device from the synced store (so it works offline). A period picker
//! (today, 7 days, 30 days, custom dates) and filters (agent, category,
//! priority) drive one `get_report` call; each section is a chart (recharts,
//! exact numbers in the tooltip) with a table view toggle and a CSV export of
//! its numbers through the native save dialog.

import { useCallback, useEffect, useState } from 'react';
import type { Priority, Report, ReportPeriod, ReportQuery, ReportSection } from '../bindings';
import { chooseCsvPath, exportReportCsv, getReport, toIpcError } from '../ipc';
import { formatBusiness } from '../lib/format';
import { useSession } from '../lib/session';
import { useTicketsChanged } from '../lib/useBoard';
import { AgentOptions, CategoryOptions, PriorityOptions } from './Options';
import { ReportChart, sectionTable } from './ReportCharts';
import { Toasts, useToasts } from './Toasts';

type PeriodKind = ReportPeriod['kind'];

const PERIOD_LABEL: Record<PeriodKind, string> = {
  today: 'Today',
  last7Days: '7 days',
  last30Days: '30 days',
  custom: 'Custom',
};

export const SECTION_TITLE: Record<ReportSection, string> = {
  compliance: 'SLA compliance',
  breaches_by_priority: 'Breaches by priority',
  breaches_by_category: 'Breaches by category',
  first_response_times: 'First response time',
  resolution_times: 'Resolution time',
  backlog: 'Backlog by status',
  created_resolved: 'Created vs resolved',
  agent_load: 'Agent load (now)',
};

const SECTION_HINT: Record<ReportSection, string> = {
  compliance: 'Targets met vs missed (completed late or breached) in the period',
  breaches_by_priority: 'Missed targets by ticket priority',
  breaches_by_category: 'Missed targets by ticket category',
  first_response_times: 'Creation to first response, tickets first answered in the period',
  resolution_times: 'Creation to resolution, tickets resolved in the period',
  backlog: 'Open, In Progress and Waiting tickets at the end of each day',
  created_resolved: 'Tickets created and resolved each day',
  agent_load: 'Active tickets per agent, with those at risk and overdue',
};

const SECTIONS: ReportSection[] = [
  'compliance',
  'breaches_by_priority',
  'breaches_by_category',
  'first_response_times',
  'resolution_times',
  'backlog',
  'created_resolved',
  'agent_load',
];

const SLUG: Record<ReportSection, string> = {
  compliance: 'sla-compliance',
  breaches_by_priority: 'breaches-by-priority',
  breaches_by_category: 'breaches-by-category',
  first_response_times: 'first-response-times',
  resolution_times: 'resolution-times',
  backlog: 'backlog',
  created_resolved: 'created-vs-resolved',
  agent_load: 'agent-load',
};

function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function periodOf(kind: PeriodKind, from: string, to: string): ReportPeriod {
  return kind === 'custom' ? { kind, from, to } : { kind };
}

/** Whether nothing at all happened in the report's scope and period. */
function isEmpty(r: Report): boolean {
  const targets = r.compliance.every((c) => c.met + c.missed === 0);
  const days = r.days.every((d) => d.open + d.inProgress + d.waiting + d.created + d.resolved === 0);
  const load = r.agentLoad.every((a) => a.open === 0);
  return targets && days && load && r.firstResponseTimes.count === 0 && r.resolutionTimes.count === 0;
}

function percent(p: number | null): string {
  return p === null ? '–' : `${p.toFixed(1)}%`;
}

function minutes(m: number | null): string {
  return m === null ? '–' : formatBusiness(m);
}

export function ReportsView() {
  const session = useSession();
  const today = localDate(new Date());
  const [kind, setKind] = useState<PeriodKind>('last7Days');
  const [customFrom, setCustomFrom] = useState(() => localDate(new Date(Date.now() - 13 * 86_400_000)));
  const [customTo, setCustomTo] = useState(today);
  const [agentId, setAgentId] = useState<string | null>(null);
  const [categoryId, setCategoryId] = useState<string | null>(null);
  const [priority, setPriority] = useState<Priority | null>(null);
  const [query, setQuery] = useState<ReportQuery>({
    period: { kind: 'last7Days' },
    agentId: null,
    categoryId: null,
    priority: null,
  });
  const [report, setReport] = useState<Report | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [tables, setTables] = useState<Set<ReportSection>>(new Set());
  const [exporting, setExporting] = useState<ReportSection | null>(null);
  const { toasts, push } = useToasts();

  const load = useCallback(async (q: ReportQuery) => {
    setLoading(true);
    try {
      const r = await getReport(q);
      setReport(r);
      setError(null);
    } catch (e) {
      setError(toIpcError(e).message);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(query);
  }, [load, query]);
  useTicketsChanged(useCallback(() => void load(query), [load, query]));

  const customInvalid =
    kind === 'custom' && (!customFrom || !customTo ? 'Choose both dates' : customTo < customFrom ? 'The end date is before the start date' : null);

  const apply = (patch: Partial<ReportQuery>) => setQuery((q) => ({ ...q, ...patch }));
  const choosePeriod = (k: PeriodKind) => {
    setKind(k);
    if (k !== 'custom') apply({ period: { kind: k } });
  };
  const applyCustom = () => {
    if (!customInvalid) apply({ period: periodOf('custom', customFrom, customTo) });
  };
  const toggleTable = (s: ReportSection) =>
    setTables((t) => {
      const n = new Set(t);
      if (n.has(s)) n.delete(s);
      else n.add(s);
      return n;
    });

  const exportSection = async (s: ReportSection) => {
    if (!report) return;
    try {
      const path = await chooseCsvPath(`${SLUG[s]}.csv`);
      if (!path) return;
      setExporting(s);
      const rows = await exportReportCsv(report.query, s, path);
      push(`Exported ${SECTION_TITLE[s]} (${rows} ${rows === 1 ? 'row' : 'rows'}) to ${path}`);
    } catch (e) {
      push(`Export failed: ${toIpcError(e).message}`, 'error');
    } finally {
      setExporting(null);
    }
  };

  const fr = report?.compliance.find((c) => c.target === 'first_response') ?? null;
  const res = report?.compliance.find((c) => c.target === 'resolution') ?? null;

  return (
    <main className="reports" aria-labelledby="reports-title">
      <header className="reports-head">
        <div className="board-title">
          <h1 id="reports-title">Reports</h1>
          {report && (
            <span className="muted" data-testid="report-range">
              {rangeLabel(report)} · {report.timezone}
            </span>
          )}
        </div>
      </header>
      <div className="reports-controls">
        <div className="segmented" role="radiogroup" aria-label="Period">
          {(Object.keys(PERIOD_LABEL) as PeriodKind[]).map((k) => (
            <button
              key={k}
              type="button"
              role="radio"
              aria-checked={kind === k}
              className={`segment${kind === k ? ' is-on' : ''}`}
              onClick={() => choosePeriod(k)}
            >
              {PERIOD_LABEL[k]}
            </button>
          ))}
        </div>
        {kind === 'custom' && (
          <form
            className="reports-custom"
            aria-label="Custom period"
            onSubmit={(e) => {
              e.preventDefault();
              applyCustom();
            }}
          >
            <label className="date-field">
              <span>From</span>
              <input type="date" value={customFrom} max={today} onChange={(e) => setCustomFrom(e.target.value)} />
            </label>
            <label className="date-field">
              <span>To</span>
              <input type="date" value={customTo} max={today} onChange={(e) => setCustomTo(e.target.value)} />
            </label>
            <button type="submit" className="button primary" disabled={!!customInvalid}>
              Apply
            </button>
            {customInvalid && (
              <span className="field-error" role="alert">
                {customInvalid}
              </span>
            )}
          </form>
        )}
        <div className="filters" role="group" aria-label="Report filters">
          <label className={`select${agentId ? ' is-set' : ''}`}>
            <span className="select-label">Agent</span>
            <select
              value={agentId ?? ''}
              onChange={(e) => {
                const v = e.target.value || null;
                setAgentId(v);
                apply({ agentId: v });
              }}
            >
              <option value="">All agents</option>
              <AgentOptions agents={session.agents} />
            </select>
          </label>
          <label className={`select${categoryId ? ' is-set' : ''}`}>
            <span className="select-label">Category</span>
            <select
              value={categoryId ?? ''}
              onChange={(e) => {
                const v = e.target.value || null;
                setCategoryId(v);
                apply({ categoryId: v });
              }}
            >
              <option value="">All categories</option>
              <CategoryOptions categories={session.categories} />
            </select>
          </label>
          <label className={`select${priority ? ' is-set' : ''}`}>
            <span className="select-label">Priority</span>
            <select
              value={priority ?? ''}
              onChange={(e) => {
                const v = (e.target.value || null) as Priority | null;
                setPriority(v);
                apply({ priority: v });
              }}
            >
              <option value="">All priorities</option>
              <PriorityOptions />
            </select>
          </label>
        </div>
      </div>

      <div className="reports-body" aria-busy={loading} aria-live="polite">
        {error ? (
          <div className="reports-error" role="alert">
            <p>Could not compute the report: {error}</p>
            <button type="button" className="button" onClick={() => void load(query)}>
              Try again
            </button>
          </div>
        ) : !report ? (
          <div className="reports-loading" data-testid="reports-loading">
            Computing report…
          </div>
        ) : (
          <>
            <div className="kpis" data-testid="kpis">
              <Kpi label="First response SLA" value={percent(fr?.percent ?? null)} sub={fr ? `${fr.met} met · ${fr.missed} missed` : ''} />
              <Kpi label="Resolution SLA" value={percent(res?.percent ?? null)} sub={res ? `${res.met} met · ${res.missed} missed` : ''} />
              <Kpi
                label="First response time"
                value={minutes(report.firstResponseTimes.medianMinutes)}
                sub={`median · p90 ${minutes(report.firstResponseTimes.p90Minutes)}`}
              />
              <Kpi
                label="Resolution time"
                value={minutes(report.resolutionTimes.medianMinutes)}
                sub={`median · p90 ${minutes(report.resolutionTimes.p90Minutes)}`}
              />
            </div>
            {isEmpty(report) ? (
              <div className="empty" data-testid="reports-empty">
                <h2>No tickets in this period</h2>
                <p>Nothing was created, answered or resolved here with these filters. Try a longer period or fewer filters.</p>
              </div>
            ) : (
              <div className="report-grid">
                {SECTIONS.map((s) => (
                  <ReportCard
                    key={s}
                    section={s}
                    report={report}
                    table={tables.has(s)}
                    onToggle={() => toggleTable(s)}
                    onExport={() => void exportSection(s)}
                    exporting={exporting === s}
                  />
                ))}
              </div>
            )}
          </>
        )}
        {loading && report && <div className="reports-refreshing muted">Updating…</div>}
      </div>
      <Toasts toasts={toasts} />
    </main>
  );
}

function rangeLabel(r: Report): string {
  const first = r.days[0]?.date;
  const last = r.days[r.days.length - 1]?.date;
  return first === last ? first : `${first} – ${last}`;
}

function Kpi({ label, value, sub }: { label: string; value: string; sub: string }) {
  return (
    <div className="kpi">
      <span className="kpi-label">{label}</span>
      <strong className="kpi-value">{value}</strong>
      <span className="kpi-sub muted">{sub}</span>
    </div>
  );
}

type CardProps = {
  section: ReportSection;
  report: Report;
  table: boolean;
  onToggle: () => void;
  onExport: () => void;
  exporting: boolean;
};

function ReportCard({ section, report, table, onToggle, onExport, exporting }: CardProps) {
  const id = `report-${section}`;
  const wide = section === 'backlog' || section === 'created_resolved';
  return (
    <section className={`report-card${wide ? ' is-wide' : ''}`} aria-labelledby={`${id}-title`} data-testid={id}>
      <header className="report-card-head">
        <div>
          <h2 id={`${id}-title`}>{SECTION_TITLE[section]}</h2>
          <p className="muted">{SECTION_HINT[section]}</p>
        </div>
        <div className="report-card-actions">
          <button type="button" className={`button small${table ? ' is-on' : ''}`} aria-pressed={table} onClick={onToggle}>
            Table
          </button>
          <button
            type="button"
            className="button small"
            onClick={onExport}
            disabled={exporting}
            aria-label={`Export ${SECTION_TITLE[section]} as CSV`}
          >
            {exporting ? 'Exporting…' : 'CSV'}
          </button>
        </div>
      </header>
      {table ? <ReportTable section={section} report={report} /> : <ReportChart section={section} report={report} />}
    </section>
  );
}

function ReportTable({ section, report }: { section: ReportSection; report: Report }) {
  const { head, rows } = sectionTable(report, section);
  return (
    <div className="report-table-wrap" tabIndex={0} aria-label={`${SECTION_TITLE[section]} table`}>
      <table className="report-table">
        <thead>
          <tr>
            {head.map((h, i) => (
              <th key={h} scope="col" className={i > 0 ? 'num' : undefined}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) =>
                j === 0 ? (
                  <th key={j} scope="row">
                    {c}
                  </th>
                ) : (
                  <td key={j} className="num">
                    {c}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
