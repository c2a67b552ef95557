import { fireEvent, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FILTERS, type Filters } from '../lib/filters';
import { SESSION, renderWithSession } from '../test/util';
import { FilterBar } from './FilterBar';

let last: Filters = DEFAULT_FILTERS;
function Harness() {
  const [f, setF] = useState<Filters>(DEFAULT_FILTERS);
  return (
    <FilterBar
      filters={f}
      onChange={(next) => {
        last = next;
        setF(next);
      }}
    />
  );
}

describe('FilterBar', () => {
  it('sets every filter and shows each as a clearable chip', () => {
    last = DEFAULT_FILTERS;
    renderWithSession(<Harness />);
    expect(screen.queryByRole('list', { name: 'Active filters' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'waiting' } });
    fireEvent.change(screen.getByLabelText('Priority'), { target: { value: 'high' } });
    fireEvent.change(screen.getByLabelText('Assigned to'), { target: { value: 'me' } });
    fireEvent.change(screen.getByLabelText('Category'), { target: { value: SESSION.categories[1].id } });
    fireEvent.change(screen.getByLabelText('SLA'), { target: { value: 'at_risk' } });
    expect(last).toEqual({
      ...DEFAULT_FILTERS,
      status: 'waiting',
      priority: 'high',
      assignee: { kind: 'me' },
      categoryId: SESSION.categories[1].id,
      sla: 'at_risk',
    });
    const chips = screen.getByRole('list', { name: 'Active filters' });
    expect(chips).toHaveTextContent('Status: Waiting');
    expect(chips).toHaveTextContent(`Category: ${SESSION.categories[1].name}`);
    fireEvent.click(screen.getByRole('button', { name: 'Clear Priority filter' }));
    expect(last.priority).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Clear all' }));
    expect(last).toEqual(DEFAULT_FILTERS);
  });

  it('filters by a specific agent and by Unassigned', () => {
    renderWithSession(<Harness />);
    const agent = SESSION.agents[3];
    fireEvent.change(screen.getByLabelText('Assigned to'), { target: { value: `agent:${agent.id}` } });
    expect(last.assignee).toEqual({ kind: 'agent', agentId: agent.id });
    expect(screen.getByRole('list', { name: 'Active filters' })).toHaveTextContent(agent.name);
    fireEvent.change(screen.getByLabelText('Assigned to'), { target: { value: 'unassigned' } });
    expect(last.assignee).toEqual({ kind: 'unassigned' });
  });
});
