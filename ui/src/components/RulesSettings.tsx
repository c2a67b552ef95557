//! Settings > Workflows and Settings > Rules (admin only): one ordered rule
//! set, shown as two pages. Workflows are the rules that create tickets from
//! conversations; Rules are the other triggers and field rules. Each rule has
//! a trigger, conditions (all or any), actions, an on/off switch, an order
//! (move up/down) and a dry run listing the recent conversations it matches.
//! The core validates on save; its message is shown verbatim.

import { useEffect, useState } from 'react';
import type { Action, Condition, DryRunMatch, MatchMode, Priority, Rule, RuleSet, Status, Trigger } from '../bindings';
import { dryRunRule, getRules, saveRules, toIpcError } from '../ipc';
import { useSession } from '../lib/session';
import { PRIORITIES, PRIORITY_LABEL, STATUSES, STATUS_LABEL, relativeTime } from '../lib/format';
import { useNow } from '../lib/hooks';
import { useDraft } from '../lib/useDraft';
import { CHANNELS, CHANNEL_LABEL } from './InboxView';
import { AgentOptions, CategoryOptions, PriorityOptions, StatusOptions } from './Options';
import { SaveBar } from './SaveBar';
import { ToggleChips } from './ToggleChips';

export type RulesPageKind = 'workflows' | 'rules';

const TRIGGER_LABEL: Record<Trigger['kind'], string> = {
  conversation_created: 'A conversation arrives',
  customer_message: 'A customer writes',
  no_agent_reply: 'No agent reply for N minutes',
  ticket_created: 'A ticket is created',
  ticket_updated: 'A ticket is updated',
};
const CONDITION_LABEL: Record<Condition['field'], string> = {
  channel: 'Channel is',
  subject_contains: 'Subject contains',
  body_contains: 'Message contains',
  email_domain: 'Customer email domain is',
  priority: 'Priority is',
  category: 'Category is',
  status: 'Status is',
  tags: 'Has tag',
};
const ACTION_LABEL: Record<Action['kind'], string> = {
  create_ticket: 'Create a ticket',
  set_priority: 'Set priority',
  set_category: 'Set category',
  set_assignee: 'Assign to',
  set_status: 'Set status',
  add_comment: 'Add internal comment',
  notify_agent: 'Notify agent',
};

const isWorkflow = (r: Rule) => r.actions.some((a) => a.kind === 'create_ticket');

function newId(): string {
  return crypto.randomUUID();
}

function blankRule(kind: RulesPageKind): Rule {
  return kind === 'workflows'
    ? {
        id: newId(),
        name: 'New workflow',
        enabled: true,
        trigger: { kind: 'conversation_created' },
        matchMode: 'all',
        conditions: [{ field: 'subject_contains', words: ['urgent'] }],
        actions: [{ kind: 'create_ticket', priority: 'high', categoryId: null, assigneeId: null }],
      }
    : {
        id: newId(),
        name: 'New rule',
        enabled: true,
        trigger: { kind: 'ticket_created' },
        matchMode: 'all',
        conditions: [{ field: 'priority', anyOf: ['urgent'] }],
        actions: [{ kind: 'add_comment', body: 'Urgent ticket: page the on-call agent.' }],
      };
}

function defaultCondition(field: Condition['field'], first: { category: string | null }): Condition {
  switch (field) {
    case 'channel':
      return { field, anyOf: ['email'] };
    case 'priority':
      return { field, anyOf: ['urgent'] };
    case 'status':
      return { field, anyOf: ['open'] };
    case 'category':
      return { field, anyOf: first.category ? [first.category] : [] };
    case 'email_domain':
      return { field, domains: ['example.com'] };
    case 'tags':
      return { field, anyOf: ['vip'] };
    default:
      return { field, words: ['refund'] };
  }
}

function defaultAction(kind: Action['kind'], agent: string): Action {
  switch (kind) {
    case 'create_ticket':
      return { kind, priority: 'normal', categoryId: null, assigneeId: null };
    case 'set_priority':
      return { kind, priority: 'high' };
    case 'set_category':
      return { kind, categoryId: null };
    case 'set_assignee':
      return { kind, assigneeId: agent };
    case 'set_status':
      return { kind, status: 'in_progress' };
    case 'add_comment':
      return { kind, body: 'Note from a rule' };
    case 'notify_agent':
      return { kind, agentId: agent, message: '' };
  }
}

const splitList = (s: string) =>
  s
    .split(',')
    .map((w) => w.trim())
    .filter((w, i, all) => w !== '' || i < all.length - 1);

export function RulesPage({ kind }: { kind: RulesPageKind }) {
  const session = useSession();
  const isAdmin = session.agent.role === 'admin';
  const ruleSet = useDraft<RuleSet>();
  const { load, setError, edit } = ruleSet;

  useEffect(() => {
    if (!isAdmin) return;
    getRules()
      .then(load)
      .catch((e) => setError(toIpcError(e).message));
  }, [isAdmin, load, setError]);

  const title = kind === 'workflows' ? 'Workflows' : 'Rules';
  if (!isAdmin) {
    return (
      <div className="settings-scroll">
        <div className="settings-page">
          <div className="settings-intro">
            <h2>{title}</h2>
          </div>
          <p className="readonly-note" role="note">
            Only workspace admins can manage workflows and rules.
          </p>
        </div>
      </div>
    );
  }
  const draft = ruleSet.draft?.rules ?? null;
  const shown = (draft ?? []).map((r, i) => ({ r, i })).filter(({ r }) => isWorkflow(r) === (kind === 'workflows'));
  const editRules = (f: (rules: Rule[]) => Rule[]) => edit((s) => ({ ...s, rules: f(s.rules) }));
  const update = (i: number, r: Rule) => editRules((rules) => rules.map((x, j) => (j === i ? r : x)));
  const move = (i: number, by: -1 | 1) => {
    // Swap with the nearest rule shown on this page in that direction.
    const pos = shown.findIndex((s) => s.i === i);
    const other = shown[pos + by];
    if (!other) return;
    editRules((rules) => {
      const next = [...rules];
      [next[i], next[other.i]] = [next[other.i], next[i]];
      return next;
    });
  };
  const save = () =>
    void ruleSet.save((s) => saveRules({ rules: s.rules, updatedAt: ruleSet.saved?.updatedAt ?? null }), `${title} saved.`);

  return (
    <>
      <div className="settings-scroll">
        <div className="settings-page">
          <div className="settings-intro">
            <h2>{title}</h2>
            <p className="muted">
              {kind === 'workflows'
                ? 'Workflows create tickets from conversations automatically: when a conversation arrives, a customer writes, or nobody has replied for a while.'
                : 'Rules react to tickets and conversations: set priority, category, assignee or status, add an internal comment, or notify an agent.'}{' '}
              Rules run in order, on the server and in the app when offline; each fires once per event.
            </p>
          </div>
          {!draft && !ruleSet.error && <p className="muted">Loading…</p>}
          <div className="section-head">
            <h3>
              {shown.length} {kind === 'workflows' ? 'workflow' : 'rule'}
              {shown.length === 1 ? '' : 's'}
            </h3>
            <button
              type="button"
              className="button"
              disabled={!draft}
              onClick={() => editRules((rules) => [...rules, blankRule(kind)])}
            >
              {kind === 'workflows' ? 'Add workflow' : 'Add rule'}
            </button>
          </div>
          <ol className="rule-list">
            {shown.map(({ r, i }, pos) => (
              <li key={r.id}>
                <RuleEditor
                  rule={r}
                  first={pos === 0}
                  last={pos === shown.length - 1}
                  onChange={(x) => update(i, x)}
                  onMove={(by) => move(i, by)}
                  onDelete={() => editRules((rules) => rules.filter((_, j) => j !== i))}
                />
              </li>
            ))}
          </ol>
        </div>
      </div>
      <SaveBar state={ruleSet} onSave={save} errorTestId="rules-error" />
    </>
  );
}

function RuleEditor({
  rule,
  first,
  last,
  onChange,
  onMove,
  onDelete,
}: {
  rule: Rule;
  first: boolean;
  last: boolean;
  onChange: (r: Rule) => void;
  onMove: (by: -1 | 1) => void;
  onDelete: () => void;
}) {
  const session = useSession();
  const now = useNow(60_000);
  const [dry, setDry] = useState<DryRunMatch[] | null>(null);
  const [dryError, setDryError] = useState<string | null>(null);
  const conversational = ['conversation_created', 'customer_message', 'no_agent_reply'].includes(rule.trigger.kind);
  const setTrigger = (k: Trigger['kind']) =>
    onChange({
      ...rule,
      trigger: k === 'no_agent_reply' ? { kind: k, minutes: 30 } : ({ kind: k } as Trigger),
    });
  const runDry = async () => {
    try {
      setDry(await dryRunRule(rule));
      setDryError(null);
    } catch (e) {
      setDry(null);
      setDryError(toIpcError(e).message);
    }
  };
  const label = `Rule ${rule.name}`;
  return (
    <article className={`rule-card${rule.enabled ? '' : ' is-off'}`} aria-label={label} data-testid="rule-card">
      <div className="rule-head">
        <input
          className="rule-name"
          aria-label="Rule name"
          value={rule.name}
          maxLength={320}
          onChange={(e) => onChange({ ...rule, name: e.target.value })}
        />
        <label className="switch">
          <input type="checkbox" checked={rule.enabled} onChange={(e) => onChange({ ...rule, enabled: e.target.checked })} />{' '}
          Enabled
        </label>
        <button type="button" className="button small" disabled={first} onClick={() => onMove(-1)} aria-label="Move up">
          ↑
        </button>
        <button type="button" className="button small" disabled={last} onClick={() => onMove(1)} aria-label="Move down">
          ↓
        </button>
        <button type="button" className="button small danger" onClick={onDelete}>
          Delete
        </button>
      </div>
      <div className="rule-row">
        <span className="rule-key">When</span>
        <select aria-label="Trigger" value={rule.trigger.kind} onChange={(e) => setTrigger(e.target.value as Trigger['kind'])}>
          {(Object.keys(TRIGGER_LABEL) as Trigger['kind'][]).map((k) => (
            <option key={k} value={k}>
              {TRIGGER_LABEL[k]}
            </option>
          ))}
        </select>
        {rule.trigger.kind === 'no_agent_reply' && (
          <label>
            <input
              type="number"
              min={1}
              max={43200}
              aria-label="Minutes without reply"
              value={rule.trigger.minutes}
              onChange={(e) => onChange({ ...rule, trigger: { kind: 'no_agent_reply', minutes: Number(e.target.value) } })}
            />{' '}
            minutes
          </label>
        )}
      </div>
      <div className="rule-row">
        <span className="rule-key">If</span>
        <select
          aria-label="Match"
          value={rule.matchMode}
          onChange={(e) => onChange({ ...rule, matchMode: e.target.value as MatchMode })}
        >
          <option value="all">all conditions hold</option>
          <option value="any">any condition holds</option>
        </select>
      </div>
      <ul className="rule-items">
        {rule.conditions.map((c, n) => (
          <li key={n}>
            <ConditionEditor
              condition={c}
              onChange={(x) => onChange({ ...rule, conditions: rule.conditions.map((y, j) => (j === n ? x : y)) })}
            />
            <button
              type="button"
              className="button small"
              aria-label="Remove condition"
              onClick={() => onChange({ ...rule, conditions: rule.conditions.filter((_, j) => j !== n) })}
            >
              ×
            </button>
          </li>
        ))}
        <li>
          <select
            aria-label="Add condition"
            value=""
            onChange={(e) =>
              e.target.value &&
              onChange({
                ...rule,
                conditions: [
                  ...rule.conditions,
                  defaultCondition(e.target.value as Condition['field'], { category: session.categories[0]?.id ?? null }),
                ],
              })
            }
          >
            <option value="">+ Add condition…</option>
            {(Object.keys(CONDITION_LABEL) as Condition['field'][]).map((k) => (
              <option key={k} value={k}>
                {CONDITION_LABEL[k]}
              </option>
            ))}
          </select>
        </li>
      </ul>
      <div className="rule-row">
        <span className="rule-key">Then</span>
      </div>
      <ul className="rule-items">
        {rule.actions.map((a, n) => (
          <li key={n}>
            <ActionEditor action={a} onChange={(x) => onChange({ ...rule, actions: rule.actions.map((y, j) => (j === n ? x : y)) })} />
            <button
              type="button"
              className="button small"
              aria-label="Remove action"
              onClick={() => onChange({ ...rule, actions: rule.actions.filter((_, j) => j !== n) })}
            >
              ×
            </button>
          </li>
        ))}
        <li>
          <select
            aria-label="Add action"
            value=""
            onChange={(e) =>
              e.target.value &&
              onChange({ ...rule, actions: [...rule.actions, defaultAction(e.target.value as Action['kind'], session.agent.id)] })
            }
          >
            <option value="">+ Add action…</option>
            {(Object.keys(ACTION_LABEL) as Action['kind'][])
              .filter((k) => k !== 'create_ticket' || conversational)
              .map((k) => (
                <option key={k} value={k}>
                  {ACTION_LABEL[k]}
                </option>
              ))}
          </select>
        </li>
      </ul>
      <div className="rule-row">
        <button type="button" className="button small" onClick={() => void runDry()}>
          Dry run
        </button>
        {dryError && (
          <span className="form-error" role="alert">
            {dryError}
          </span>
        )}
      </div>
      {dry && (
        <div className="dry-run" data-testid="dry-run">
          <p className="muted small">
            {dry.length === 0
              ? 'No recent conversation matches.'
              : `${dry.length} recent conversation${dry.length === 1 ? '' : 's'} would match:`}
          </p>
          <ul>
            {dry.slice(0, 20).map((m) => (
              <li key={m.conversationId}>
                <strong>{m.subject}</strong> <span className="muted small">· {m.customerName} · {CHANNEL_LABEL[m.channel]} · {relativeTime(m.lastMessageAt, now)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </article>
  );
}

function ConditionEditor({ condition: c, onChange }: { condition: Condition; onChange: (c: Condition) => void }) {
  const session = useSession();
  let editor: React.ReactNode;
  switch (c.field) {
    case 'channel':
      editor = (
        <ToggleChips
          label="Channels"
          options={CHANNELS.map((x) => [x, CHANNEL_LABEL[x]])}
          value={c.anyOf}
          onChange={(anyOf) => onChange({ field: 'channel', anyOf })}
        />
      );
      break;
    case 'priority':
      editor = (
        <ToggleChips
          label="Priorities"
          options={PRIORITIES.map((x) => [x, PRIORITY_LABEL[x]])}
          value={c.anyOf}
          onChange={(anyOf) => onChange({ field: 'priority', anyOf: anyOf as Priority[] })}
        />
      );
      break;
    case 'status':
      editor = (
        <ToggleChips
          label="Statuses"
          options={STATUSES.map((x) => [x, STATUS_LABEL[x]])}
          value={c.anyOf}
          onChange={(anyOf) => onChange({ field: 'status', anyOf: anyOf as Status[] })}
        />
      );
      break;
    case 'category':
      editor = (
        <ToggleChips
          label="Categories"
          options={session.categories.map((x) => [x.id, x.name])}
          value={c.anyOf}
          onChange={(anyOf) => onChange({ field: 'category', anyOf })}
        />
      );
      break;
    case 'email_domain':
      editor = (
        <input
          aria-label="Domains (comma-separated)"
          value={c.domains.join(', ')}
          onChange={(e) => onChange({ field: 'email_domain', domains: splitList(e.target.value) })}
        />
      );
      break;
    case 'tags':
      editor = (
        <input
          aria-label="Tags (comma-separated)"
          value={c.anyOf.join(', ')}
          onChange={(e) => onChange({ field: 'tags', anyOf: splitList(e.target.value) })}
        />
      );
      break;
    default:
      editor = (
        <input
          aria-label="Words (comma-separated)"
          value={c.words.join(', ')}
          onChange={(e) => onChange({ ...c, words: splitList(e.target.value) })}
        />
      );
  }
  return (
    <span className="rule-item">
      <span className="rule-item-label">{CONDITION_LABEL[c.field]}</span>
      {editor}
    </span>
  );
}

function ActionEditor({ action: a, onChange }: { action: Action; onChange: (a: Action) => void }) {
  const session = useSession();
  const agentSelect = (value: string | null, set: (v: string | null) => void, allowNone: boolean) => (
    <select aria-label="Agent" value={value ?? ''} onChange={(e) => set(e.target.value || null)}>
      {allowNone && <option value="">Unassigned</option>}
      <AgentOptions agents={session.agents} />
    </select>
  );
  const categorySelect = (value: string | null, set: (v: string | null) => void) => (
    <select aria-label="Category" value={value ?? ''} onChange={(e) => set(e.target.value || null)}>
      <option value="">None</option>
      <CategoryOptions categories={session.categories} />
    </select>
  );
  const prioritySelect = (value: Priority, set: (v: Priority) => void) => (
    <select aria-label="Priority" value={value} onChange={(e) => set(e.target.value as Priority)}>
      <PriorityOptions />
    </select>
  );
  let editor: React.ReactNode;
  switch (a.kind) {
    case 'create_ticket':
      editor = (
        <>
          {prioritySelect(a.priority, (priority) => onChange({ ...a, priority }))}
          {categorySelect(a.categoryId, (categoryId) => onChange({ ...a, categoryId }))}
          {agentSelect(a.assigneeId, (assigneeId) => onChange({ ...a, assigneeId }), true)}
        </>
      );
      break;
    case 'set_priority':
      editor = prioritySelect(a.priority, (priority) => onChange({ ...a, priority }));
      break;
    case 'set_category':
      editor = categorySelect(a.categoryId, (categoryId) => onChange({ ...a, categoryId }));
      break;
    case 'set_assignee':
      editor = agentSelect(a.assigneeId, (assigneeId) => onChange({ ...a, assigneeId }), true);
      break;
    case 'set_status':
      editor = (
        <select aria-label="Status" value={a.status} onChange={(e) => onChange({ ...a, status: e.target.value as Status })}>
          <StatusOptions />
        </select>
      );
      break;
    case 'add_comment':
      editor = <input aria-label="Comment" value={a.body} onChange={(e) => onChange({ ...a, body: e.target.value })} />;
      break;
    case 'notify_agent':
      editor = (
        <>
          {agentSelect(a.agentId, (v) => v && onChange({ ...a, agentId: v }), false)}
          <input
            aria-label="Message"
            placeholder="Message (optional)"
            value={a.message}
            onChange={(e) => onChange({ ...a, message: e.target.value })}
          />
        </>
      );
      break;
  }
  return (
    <span className="rule-item">
      <span className="rule-item-label">{ACTION_LABEL[a.kind]}</span>
      {editor}
    </span>
  );
}
