import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { AGENTS } from '../mock/data';
import { SESSION, installMock, renderWithSession } from '../test/util';
import { SettingsView } from './SettingsView';

describe('Settings > Workflows and Rules', () => {
  it('adds a workflow, dry-runs it over recent conversations and saves it', async () => {
    const m = installMock({ count: 0 });
    const save = vi.spyOn(m, 'saveRules');
    renderWithSession(<SettingsView page="workflows" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add workflow' }));
    const card = await screen.findByTestId('rule-card');
    fireEvent.change(within(card).getByLabelText('Rule name'), { target: { value: 'Outages' } });
    fireEvent.change(within(card).getByLabelText('Words (comma-separated)'), { target: { value: 'outage, down' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Dry run' }));
    const dry = await within(card).findByTestId('dry-run');
    expect(dry).toHaveTextContent('1 recent conversation would match');
    expect(dry).toHaveTextContent('Outage: dashboard not loading');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Workflows saved');
    const sent = save.mock.calls[0][0];
    expect(sent.rules).toHaveLength(1);
    expect(sent.rules[0]).toMatchObject({
      name: 'Outages',
      enabled: true,
      trigger: { kind: 'conversation_created' },
      conditions: [{ field: 'subject_contains', words: ['outage', 'down'] }],
      actions: [{ kind: 'create_ticket', priority: 'high', categoryId: null, assigneeId: null }],
    });
    // The Rules page lists the other kind only.
    const rules = await m.getRules();
    expect(rules.rules).toHaveLength(1);
  });

  it('edits triggers and actions, reorders, and shows the backend error verbatim', async () => {
    installMock({ count: 0 });
    renderWithSession(<SettingsView page="rules" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add rule' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add rule' }));
    const cards = await screen.findAllByTestId('rule-card');
    expect(cards).toHaveLength(2);
    fireEvent.change(within(cards[0]).getByLabelText('Rule name'), { target: { value: 'First' } });
    fireEvent.change(within(cards[1]).getByLabelText('Rule name'), { target: { value: 'Second' } });
    fireEvent.click(within(cards[1]).getByRole('button', { name: 'Move up' }));
    await waitFor(() =>
      expect((within(screen.getAllByTestId('rule-card')[0]).getByLabelText('Rule name') as HTMLInputElement).value).toBe('Second'),
    );
    const first = screen.getAllByTestId('rule-card')[0];
    fireEvent.change(within(first).getByLabelText('Trigger'), { target: { value: 'no_agent_reply' } });
    expect(within(first).getByLabelText('Minutes without reply')).toHaveValue(30);
    fireEvent.change(within(first).getByLabelText('Add action'), { target: { value: 'notify_agent' } });
    expect(within(first).getByLabelText('Message')).toBeInTheDocument();
    // Removing the only action leaves an invalid rule: the backend says why.
    const second = screen.getAllByTestId('rule-card')[1];
    fireEvent.click(within(second).getByRole('button', { name: 'Remove action' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByTestId('rules-error')).toHaveTextContent('needs at least one entry');
  });

  it('drops the saved note once a rule is added, moved or deleted after saving', async () => {
    installMock({ count: 0 });
    renderWithSession(<SettingsView page="rules" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add rule' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Rules saved.');
    fireEvent.click(screen.getByRole('button', { name: 'Add rule' }));
    expect(screen.queryByRole('status'), 'no saved note beside unsaved changes').toBeNull();
    expect(screen.getByText('Unsaved changes')).toBeInTheDocument();
  });

  it('is admin only', async () => {
    installMock({ count: 0, agent: 1 });
    renderWithSession(<SettingsView page="rules" />, { ...SESSION, agent: AGENTS[1] });
    expect(await screen.findByRole('note')).toHaveTextContent('Only workspace admins');
    expect(screen.queryByRole('button', { name: 'Add rule' })).toBeNull();
  });
});
