//! The Reports view's charts (recharts) and the table form of each section.
//! Colours are the theme's CSS variables, so charts follow light and dark
//! mode; every bar, area and line shows its exact number in the tooltip, and
//! `sectionTable` gives the same numbers as rows (the table view; the CSV
//! export is the store's own rendering of the same rows).

import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Report, ReportSection, TimeDistribution } from '../bindings';

const COLORS = {
  met: 'var(--green)',
  missed: 'var(--red)',
  fr: 'var(--blue)',
  res: 'var(--purple)',
  open: 'var(--blue)',
  inProgress: 'var(--amber-bright)',
  waiting: 'var(--gray)',
  created: 'var(--blue)',
  resolved: 'var(--green)',
  atRisk: 'var(--amber-bright)',
  overdue: 'var(--red)',
  bar: 'var(--accent)',
};

const axis = { fill: 'var(--muted)', fontSize: 12 };
const tooltipProps = {
  contentStyle: {
    background: 'var(--surface)',
    border: '1px solid var(--border)',
    borderRadius: 8,
    color: 'var(--text)',
    boxShadow: 'var(--shadow-md)',
    fontSize: 13,
  },
  labelStyle: { color: 'var(--text)', fontWeight: 600 },
  itemStyle: { color: 'var(--text-2)' },
  cursor: { fill: 'var(--surface-2)' },
};
const legendProps = { wrapperStyle: { fontSize: 12, color: 'var(--text-2)' }, itemSorter: null };

const TARGET_LABEL = { first_response: 'First response', resolution: 'Resolution' } as const;

function fmt(n: number | null, digits = 1): string {
  return n === null ? '' : n.toFixed(digits);
}

/** `MM-DD` for day axes. */
function shortDate(d: string): string {
  return d.slice(5);
}

function Frame({ children, label }: { children: React.ReactElement; label: string }) {
  return (
    <div className="report-chart" role="figure" aria-label={label}>
      <ResponsiveContainer width="100%" height={240}>
        {children}
      </ResponsiveContainer>
    </div>
  );
}

function DistributionChart({ d, label }: { d: TimeDistribution; label: string }) {
  return (
    <Frame label={label}>
      <BarChart data={d.buckets} margin={{ top: 8, right: 8, left: -12, bottom: 0 }}>
        <CartesianGrid stroke="var(--border)" vertical={false} />
        <XAxis dataKey="label" tick={axis} interval={0} angle={-30} textAnchor="end" height={56} />
        <YAxis tick={axis} allowDecimals={false} />
        <Tooltip {...tooltipProps} formatter={(v) => [v, 'Tickets']} />
        <Bar isAnimationActive={false} dataKey="count" name="Tickets" fill={COLORS.bar} radius={[3, 3, 0, 0]} />
      </BarChart>
    </Frame>
  );
}

export function ReportChart({ section, report }: { section: ReportSection; report: Report }) {
  switch (section) {
    case 'compliance': {
      const data = report.compliance.map((c) => ({
        name: TARGET_LABEL[c.target],
        Met: c.met,
        Missed: c.missed,
        pct: c.percent,
      }));
      return (
        <Frame label="SLA compliance: met and missed per target">
          <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, left: 24, bottom: 0 }}>
            <CartesianGrid stroke="var(--border)" horizontal={false} />
            <XAxis type="number" tick={axis} allowDecimals={false} />
            <YAxis type="category" dataKey="name" tick={axis} width={100} />
            <Tooltip
              {...tooltipProps}
              labelFormatter={(l, p) => {
                const pct = p?.[0]?.payload?.pct as number | null | undefined;
                return pct == null ? String(l) : `${l} · ${pct.toFixed(1)}% met`;
              }}
            />
            <Legend {...legendProps} />
            <Bar isAnimationActive={false} dataKey="Met" stackId="a" fill={COLORS.met} />
            <Bar isAnimationActive={false} dataKey="Missed" stackId="a" fill={COLORS.missed} radius={[0, 3, 3, 0]} />
          </BarChart>
        </Frame>
      );
    }
    case 'breaches_by_priority':
    case 'breaches_by_category': {
      const groups = section === 'breaches_by_priority' ? report.breachesByPriority : report.breachesByCategory;
      const data = groups.map((g) => ({ name: g.label, 'First response': g.firstResponse, Resolution: g.resolution }));
      if (data.length === 0) return <p className="report-none muted">No missed targets in this period.</p>;
      return (
        <Frame label={section === 'breaches_by_priority' ? 'Missed targets by priority' : 'Missed targets by category'}>
          <BarChart data={data} margin={{ top: 8, right: 8, left: -12, bottom: 0 }}>
            <CartesianGrid stroke="var(--border)" vertical={false} />
            <XAxis
              dataKey="name"
              tick={axis}
              interval={0}
              {...(section === 'breaches_by_category' ? { angle: -25, textAnchor: 'end', height: 56 } : {})}
            />
            <YAxis tick={axis} allowDecimals={false} />
            <Tooltip {...tooltipProps} />
            <Legend {...legendProps} />
            <Bar isAnimationActive={false} dataKey="First response" fill={COLORS.fr} radius={[3, 3, 0, 0]} />
            <Bar isAnimationActive={false} dataKey="Resolution" fill={COLORS.res} radius={[3, 3, 0, 0]} />
          </BarChart>
        </Frame>
      );
    }
    case 'first_response_times':
      return <DistributionChart d={report.firstResponseTimes} label="First response time distribution" />;
    case 'resolution_times':
      return <DistributionChart d={report.resolutionTimes} label="Resolution time distribution" />;
    case 'backlog': {
      const data = report.days.map((d) => ({
        date: d.date,
        Open: d.open,
        'In Progress': d.inProgress,
        Waiting: d.waiting,
      }));
      return (
        <Frame label="Backlog by status at the end of each day">
          <AreaChart data={data} margin={{ top: 8, right: 8, left: -12, bottom: 0 }}>
            <CartesianGrid stroke="var(--border)" vertical={false} />
            <XAxis dataKey="date" tick={axis} tickFormatter={shortDate} minTickGap={16} />
            <YAxis tick={axis} allowDecimals={false} />
            <Tooltip {...tooltipProps} cursor={{ stroke: 'var(--border-strong)' }} />
            <Legend {...legendProps} />
            <Area isAnimationActive={false} type="monotone" dataKey="Open" stackId="b" stroke={COLORS.open} fill={COLORS.open} fillOpacity={0.35} />
            <Area
              type="monotone"
              dataKey="In Progress"
              stackId="b"
              stroke={COLORS.inProgress}
              fill={COLORS.inProgress}
              fillOpacity={0.35}
            />
            <Area isAnimationActive={false} type="monotone" dataKey="Waiting" stackId="b" stroke={COLORS.waiting} fill={COLORS.waiting} fillOpacity={0.35} />
          </AreaChart>
        </Frame>
      );
    }
    case 'created_resolved': {
      const data = report.days.map((d) => ({ date: d.date, Created: d.created, Resolved: d.resolved }));
      const Chart = data.length > 1 ? LineChart : BarChart;
      return (
        <Frame label="Tickets created and resolved per day">
          <Chart data={data} margin={{ top: 8, right: 8, left: -12, bottom: 0 }}>
            <CartesianGrid stroke="var(--border)" vertical={false} />
            <XAxis dataKey="date" tick={axis} tickFormatter={shortDate} minTickGap={16} />
            <YAxis tick={axis} allowDecimals={false} />
            <Tooltip {...tooltipProps} cursor={{ stroke: 'var(--border-strong)' }} />
            <Legend {...legendProps} />
            {data.length > 1 ? (
              <>
                <Line isAnimationActive={false} type="monotone" dataKey="Created" stroke={COLORS.created} strokeWidth={2} dot={{ r: 2 }} />
                <Line isAnimationActive={false} type="monotone" dataKey="Resolved" stroke={COLORS.resolved} strokeWidth={2} dot={{ r: 2 }} />
              </>
            ) : (
              <>
                <Bar isAnimationActive={false} dataKey="Created" fill={COLORS.created} radius={[3, 3, 0, 0]} />
                <Bar isAnimationActive={false} dataKey="Resolved" fill={COLORS.resolved} radius={[3, 3, 0, 0]} />
              </>
            )}
          </Chart>
        </Frame>
      );
    }
    case 'agent_load': {
      const data = report.agentLoad.map((a) => ({
        name: a.name,
        Open: a.open,
        'At risk': a.atRisk,
        Overdue: a.overdue,
      }));
      return (
        <Frame label="Active tickets per agent, at risk and overdue">
          <BarChart data={data} margin={{ top: 8, right: 8, left: -12, bottom: 0 }}>
            <CartesianGrid stroke="var(--border)" vertical={false} />
            <XAxis dataKey="name" tick={axis} interval={0} angle={-30} textAnchor="end" height={64} />
            <YAxis tick={axis} allowDecimals={false} />
            <Tooltip {...tooltipProps} />
            <Legend {...legendProps} verticalAlign="top" />
            <Bar isAnimationActive={false} dataKey="Open" fill={COLORS.open} radius={[3, 3, 0, 0]} />
            <Bar isAnimationActive={false} dataKey="At risk" fill={COLORS.atRisk} radius={[3, 3, 0, 0]} />
            <Bar isAnimationActive={false} dataKey="Overdue" fill={COLORS.overdue} radius={[3, 3, 0, 0]} />
          </BarChart>
        </Frame>
      );
    }
  }
}

/** A section's numbers as a header and rows of text, like its CSV. */
export function sectionTable(r: Report, s: ReportSection): { head: string[]; rows: string[][] } {
  const n = (x: number) => String(x);
  switch (s) {
    case 'compliance':
      return {
        head: ['Target', 'Met', 'Missed', 'Compliance %'],
        rows: r.compliance.map((c) => [TARGET_LABEL[c.target], n(c.met), n(c.missed), fmt(c.percent)]),
      };
    case 'breaches_by_priority':
    case 'breaches_by_category': {
      const groups = s === 'breaches_by_priority' ? r.breachesByPriority : r.breachesByCategory;
      return {
        head: [s === 'breaches_by_priority' ? 'Priority' : 'Category', 'First response missed', 'Resolution missed', 'Total'],
        rows: groups.map((g) => [g.label, n(g.firstResponse), n(g.resolution), n(g.firstResponse + g.resolution)]),
      };
    }
    case 'first_response_times':
    case 'resolution_times': {
      const d = s === 'first_response_times' ? r.firstResponseTimes : r.resolutionTimes;
      return {
        head: ['Duration', 'Tickets'],
        rows: [
          ...d.buckets.map((b) => [b.label, n(b.count)]),
          ['Tickets', n(d.count)],
          ['Median (min)', fmt(d.medianMinutes)],
          ['90th percentile (min)', fmt(d.p90Minutes)],
        ],
      };
    }
    case 'backlog':
      return {
        head: ['Date', 'Open', 'In Progress', 'Waiting', 'Total'],
        rows: r.days.map((d) => [d.date, n(d.open), n(d.inProgress), n(d.waiting), n(d.open + d.inProgress + d.waiting)]),
      };
    case 'created_resolved':
      return { head: ['Date', 'Created', 'Resolved'], rows: r.days.map((d) => [d.date, n(d.created), n(d.resolved)]) };
    case 'agent_load':
      return {
        head: ['Agent', 'Open', 'At risk', 'Overdue'],
        rows: r.agentLoad.map((a) => [a.name, n(a.open), n(a.atRisk), n(a.overdue)]),
      };
  }
}
