//! The `<option>` lists the selects share: statuses, priorities, agents and
//! categories, in their usual order with their usual labels. Each returns
//! only the options, so a select keeps its own placeholder ("All", "None",
//! "Unassigned"…) written in place before them.

import type { Agent, Category } from '../bindings';
import { PRIORITIES, PRIORITY_LABEL, STATUSES, STATUS_LABEL } from '../lib/format';

/** One option per value of a fixed list, labelled from `labels`. */
function LabelledOptions<T extends string>({ values, labels }: { values: readonly T[]; labels: Record<T, string> }) {
  return (
    <>
      {values.map((v) => (
        <option key={v} value={v}>
          {labels[v]}
        </option>
      ))}
    </>
  );
}

/** Every status, in workflow order, labelled ("Open", "In Progress"…). */
export function StatusOptions() {
  return <LabelledOptions values={STATUSES} labels={STATUS_LABEL} />;
}

/** Every priority, most urgent first, labelled ("Urgent", "High"…). */
export function PriorityOptions() {
  return <LabelledOptions values={PRIORITIES} labels={PRIORITY_LABEL} />;
}

/** One option per agent: value `valuePrefix` + id, text the name, plus " (me)" for `meId`. */
export function AgentOptions({ agents, valuePrefix = '', meId }: { agents: readonly Agent[]; valuePrefix?: string; meId?: string }) {
  return (
    <>
      {agents.map((a) => (
        <option key={a.id} value={`${valuePrefix}${a.id}`}>
          {a.id === meId ? `${a.name} (me)` : a.name}
        </option>
      ))}
    </>
  );
}

/** One option per category: value the id, text the name. */
export function CategoryOptions({ categories }: { categories: readonly Category[] }) {
  return (
    <>
      {categories.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name}
        </option>
      ))}
    </>
  );
}
