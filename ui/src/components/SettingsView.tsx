//! Settings view with its "SLA policies" page: policies (ordered, first match
//! wins), shared business calendars, and the first day of the week. Admins
//! edit a draft, see problems inline as they type (the same rules the core
//! enforces), and Save or Discard; the server's errors are shown verbatim.
//! Agents see the same page read-only. The "Server connection" page is given
//! by the app (it owns the sync state).

import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Day, NamedCalendar, SlaPolicy, SlaSettings } from '../bindings';
import { getSlaSettings, saveSlaSettings, toIpcError } from '../ipc';
import { useSession } from '../lib/session';
import { useDraft } from '../lib/useDraft';
import { DAYS, DAY_LABEL, settingsProblems, type Problem } from '../lib/slaRules';
import { CalendarEditor, PolicyEditor } from './SlaEditors';
import { NotificationSettings } from './NotificationSettings';
import { SaveBar } from './SaveBar';
import { RulesPage } from './RulesSettings';

function uniqueId(base: string, taken: Set<string>): string {
  for (let n = 1; ; n++) {
    const id = `${base}-${n}`;
    if (!taken.has(id)) return id;
  }
}

export type SettingsPage = 'sla' | 'server' | 'notifications' | 'workflows' | 'rules';

const PAGE_LABEL: Record<SettingsPage, string> = {
  sla: 'SLA policies',
  workflows: 'Workflows',
  rules: 'Rules',
  notifications: 'Notifications',
  server: 'Server connection',
};

type Props = {
  page?: SettingsPage;
  onPage?: (p: SettingsPage) => void;
  /** The "Server connection" page's content. */
  serverPage?: ReactNode;
};

export function SettingsView({ page = 'sla', onPage, serverPage }: Props) {
  const pages: SettingsPage[] = serverPage
    ? ['sla', 'workflows', 'rules', 'notifications', 'server']
    : ['sla', 'workflows', 'rules', 'notifications'];
  return (
    <main className="settings" aria-labelledby="settings-title">
      <header className="settings-head">
        <h1 id="settings-title">Settings</h1>
        <nav aria-label="Settings sections" className="settings-nav">
          {pages.map((p) => (
            <button
              key={p}
              type="button"
              className={`settings-nav-item${p === page ? ' is-current' : ''}`}
              aria-current={p === page ? 'page' : undefined}
              onClick={() => onPage?.(p)}
            >
              {PAGE_LABEL[p]}
            </button>
          ))}
        </nav>
      </header>
      {page === 'server' && serverPage ? (
        serverPage
      ) : page === 'notifications' ? (
        <NotificationSettings />
      ) : page === 'workflows' || page === 'rules' ? (
        <RulesPage key={page} kind={page} />
      ) : (
        <SlaPage />
      )}
    </main>
  );
}

function SlaPage() {
  const session = useSession();
  const isAdmin = session.agent.role === 'admin';
  const sla = useDraft<SlaSettings>();
  const { draft, saving, load, edit: update } = sla;
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    getSlaSettings()
      .then(load)
      .catch((e) => setLoadError(toIpcError(e).message));
  }, [load]);

  const problems = useMemo(() => (draft ? settingsProblems(draft) : []), [draft]);
  const problemsAt = useMemo(() => {
    const by = new Map<string, Problem[]>();
    for (const p of problems) by.set(p.path, [...(by.get(p.path) ?? []), p]);
    return (path: string) => by.get(path) ?? [];
  }, [problems]);
  const setPolicies = (f: (ps: SlaPolicy[]) => SlaPolicy[]) =>
    update((s) => ({ ...s, policies: { policies: f(s.policies.policies) } }));
  const setCalendars = (f: (cs: NamedCalendar[]) => NamedCalendar[]) => update((s) => ({ ...s, calendars: f(s.calendars) }));

  const save = () => {
    if (problems.length > 0) return;
    void sla.save(saveSlaSettings, 'SLA settings saved. Due dates of open tickets were recomputed.');
  };
  const problem =
    problems.length === 0
      ? null
      : `${problems.length === 1 ? '1 problem to fix' : `${problems.length} problems to fix`} before saving: ${problems[0].message}`;

  const policies = draft?.policies.policies ?? [];
  const calendars = draft?.calendars ?? [];

  return (
    <>
      <div className="settings-scroll">
        <div className="settings-page">
          <div className="settings-intro">
            <h2>SLA policies</h2>
            <p className="muted">
              Response and resolution targets per priority, measured on business calendars. Policies are checked in order;
              the first that matches a ticket applies.
            </p>
          </div>
          {!isAdmin && (
            <p className="readonly-note" role="note">
              Only workspace admins can change SLA settings. You are viewing them read-only.
            </p>
          )}
          {loadError && (
            <p className="form-error" role="alert">
              {loadError}
            </p>
          )}
          {!draft && !loadError && <p className="muted">Loading…</p>}
          {draft && (
            <fieldset className={`plain settings-form${isAdmin ? '' : ' is-readonly'}`} disabled={!isAdmin || saving}>
              <legend className="visually-hidden">SLA settings</legend>
              <section className="settings-section" aria-labelledby="policies-title">
                <div className="section-head">
                  <h3 id="policies-title">Policies</h3>
                  <button
                    type="button"
                    className="button"
                    onClick={() =>
                      setPolicies((ps) => [
                        ...ps,
                        {
                          id: uniqueId('policy', new Set(ps.map((p) => p.id))),
                          name: 'New policy',
                          priorities: [],
                          categoryId: null,
                          firstResponseMinutes: 4 * 60,
                          resolutionMinutes: 24 * 60,
                          calendar: calendars[0]
                            ? { kind: 'shared', id: calendars[0].id }
                            : { kind: 'embedded', calendar: { kind: 'alwaysOpen' } },
                          atRiskPercent: 25,
                          atRiskFloorMinutes: 15,
                        },
                      ])
                    }
                  >
                    + Add policy
                  </button>
                </div>
                {policies.length === 0 && <p className="muted">No policies: no ticket has an SLA.</p>}
                <ol className="editor-list">
                  {policies.map((p, i) => (
                    <PolicyEditor
                      key={p.id}
                      policy={p}
                      index={i}
                      count={policies.length}
                      calendars={calendars}
                      categories={session.categories}
                      problemsAt={problemsAt}
                      onChange={(np) => setPolicies((ps) => ps.map((x, k) => (k === i ? np : x)))}
                      onMove={(d) =>
                        setPolicies((ps) => {
                          const next = [...ps];
                          [next[i], next[i + d]] = [next[i + d], next[i]];
                          return next;
                        })
                      }
                      onRemove={() => setPolicies((ps) => ps.filter((_, k) => k !== i))}
                    />
                  ))}
                </ol>
              </section>

              <section className="settings-section" aria-labelledby="calendars-title">
                <div className="section-head">
                  <h3 id="calendars-title">Business calendars</h3>
                  <button
                    type="button"
                    className="button"
                    onClick={() =>
                      setCalendars((cs) => [
                        ...cs,
                        {
                          id: uniqueId('calendar', new Set(cs.map((c) => c.id))),
                          name: 'New calendar',
                          calendar: {
                            kind: 'businessHours',
                            timezone: session.workspace.timezone,
                            hours: DAYS.slice(0, 5).map((day) => ({ day, start: '09:00', end: '17:00' })),
                            holidays: [],
                          },
                        },
                      ])
                    }
                  >
                    + Add calendar
                  </button>
                </div>
                <div className="editor-list">
                  {calendars.map((c, i) => (
                    <CalendarEditor
                      key={c.id}
                      cal={c}
                      index={i}
                      defaultTimezone={session.workspace.timezone}
                      usedBy={policies.filter((p) => p.calendar.kind === 'shared' && p.calendar.id === c.id).map((p) => p.name || p.id)}
                      problemsAt={problemsAt}
                      onChange={(nc) => setCalendars((cs) => cs.map((x, k) => (k === i ? nc : x)))}
                      onRemove={() => setCalendars((cs) => cs.filter((_, k) => k !== i))}
                    />
                  ))}
                </div>
              </section>

              <section className="settings-section" aria-labelledby="general-title">
                <div className="section-head">
                  <h3 id="general-title">Due-date filters</h3>
                </div>
                <div className="field inline-field">
                  <label htmlFor="week-start">Week starts on</label>
                  <select
                    id="week-start"
                    className="input"
                    value={draft.weekStart}
                    onChange={(e) => update((s) => ({ ...s, weekStart: e.target.value as Day }))}
                  >
                    {DAYS.map((d) => (
                      <option key={d} value={d}>
                        {DAY_LABEL[d]}
                      </option>
                    ))}
                  </select>
                  <span className="muted small">Used by the Due This Week filter.</span>
                </div>
              </section>
            </fieldset>
          )}
        </div>
      </div>
      {isAdmin && draft && <SaveBar state={sla} onSave={save} problem={problem} errorTestId="server-error" />}
    </>
  );
}
