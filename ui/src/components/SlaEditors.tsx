//! Editors for one business calendar and one SLA policy, used by the SLA
//! settings page. They edit the wire types directly (`NamedCalendar`,
//! `SlaPolicy`) and show the problems `settingsProblems` found next to the
//! fields they belong to (see `lib/slaRules.ts` for the paths).

import { useId, useRef } from 'react';
import type { BusinessHours, Category, Day, Holiday, NamedCalendar, OpeningHours, Priority, SlaPolicy } from '../bindings';
import { PRIORITIES, PRIORITY_LABEL } from '../lib/format';
import { DAYS, DAY_LABEL, DAY_SHORT, formatClock, parseClock, timezoneNames, type Problem } from '../lib/slaRules';
import { CategoryOptions } from './Options';

export type ProblemsAt = (path: string) => Problem[];

export function FieldError({ id, problems }: { id: string; problems: Problem[] }) {
  if (problems.length === 0) return null;
  return (
    <div id={id} className="field-error" role="alert">
      {problems.map((p, i) => (
        <div key={i}>{p.message}</div>
      ))}
    </div>
  );
}

const ALWAYS: NamedCalendar['calendar'] = { kind: 'alwaysOpen' };

let tzList: string[] | null = null;
function TimezoneList({ id }: { id: string }) {
  tzList ??= timezoneNames();
  return (
    <datalist id={id}>
      {tzList.map((tz) => (
        <option key={tz} value={tz} />
      ))}
    </datalist>
  );
}

type CalendarProps = {
  cal: NamedCalendar;
  index: number;
  defaultTimezone: string;
  usedBy: string[];
  problemsAt: ProblemsAt;
  onChange: (c: NamedCalendar) => void;
  onRemove: () => void;
};

export function CalendarEditor({ cal, index, defaultTimezone, usedBy, problemsAt, onChange, onRemove }: CalendarProps) {
  const uid = useId();
  const pre = `calendar.${index}`;
  // Business hours put aside while the calendar is 24/7, so toggling back restores them.
  const stash = useRef<BusinessHours | null>(null);
  const hours = cal.calendar.kind === 'businessHours' ? cal.calendar : null;
  const setHours = (h: BusinessHours) => onChange({ ...cal, calendar: { kind: 'businessHours', ...h } });
  const nameErr = problemsAt(`${pre}.name`);
  const tzErr = problemsAt(`${pre}.timezone`);
  const hoursErr = problemsAt(`${pre}.hours`);

  const toggle247 = (on: boolean) => {
    if (on) {
      stash.current = hours;
      onChange({ ...cal, calendar: ALWAYS });
    } else {
      setHours(
        stash.current ?? {
          timezone: defaultTimezone,
          hours: DAYS.slice(0, 5).map((day) => ({ day, start: '09:00', end: '17:00' })),
          holidays: [],
        },
      );
    }
  };

  const setInterval = (j: number, patch: Partial<OpeningHours>) =>
    hours && setHours({ ...hours, hours: hours.hours.map((h, k) => (k === j ? { ...h, ...patch } : h)) });
  const addInterval = (day: Day) => {
    if (!hours) return;
    const mine = hours.hours.filter((h) => h.day === day);
    const lastEnd = mine.length ? Math.max(...mine.map((h) => parseClock(h.end) ?? 0)) : null;
    const start = lastEnd === null ? 9 * 60 : Math.min(lastEnd + 60, 23 * 60);
    const end = lastEnd === null ? 17 * 60 : Math.min(start + 4 * 60, 24 * 60);
    setHours({ ...hours, hours: [...hours.hours, { day, start: formatClock(start), end: formatClock(end) }] });
  };
  const removeInterval = (j: number) => hours && setHours({ ...hours, hours: hours.hours.filter((_, k) => k !== j) });
  const setHoliday = (j: number, patch: Partial<Holiday>) =>
    hours && setHours({ ...hours, holidays: hours.holidays.map((h, k) => (k === j ? { ...h, ...patch } : h)) });

  return (
    <section className="editor-card" aria-labelledby={`${uid}-title`} data-testid={`calendar-${cal.id}`}>
      <div className="editor-card-head">
        <h4 id={`${uid}-title`} className="visually-hidden">
          Calendar {cal.name || cal.id}
        </h4>
        <div className="field grow">
          <label htmlFor={`${uid}-name`}>Calendar name</label>
          <input
            id={`${uid}-name`}
            className="input"
            value={cal.name}
            aria-invalid={nameErr.length > 0 || undefined}
            aria-describedby={nameErr.length ? `${uid}-name-err` : undefined}
            onChange={(e) => onChange({ ...cal, name: e.target.value })}
          />
          <FieldError id={`${uid}-name-err`} problems={nameErr} />
        </div>
        <label className="check">
          <input type="checkbox" checked={!hours} onChange={(e) => toggle247(e.target.checked)} />
          Open 24/7
        </label>
        <button
          type="button"
          className="button subtle"
          onClick={onRemove}
          disabled={usedBy.length > 0}
          title={usedBy.length ? `Used by ${usedBy.join(', ')}` : undefined}
          aria-label={`Remove calendar ${cal.name || cal.id}`}
        >
          Remove
        </button>
      </div>
      {usedBy.length > 0 && <p className="muted small used-by">Used by {usedBy.join(', ')}</p>}
      {!hours ? (
        <p className="muted small">Every minute counts (calendar time): no timezone, opening hours or holidays.</p>
      ) : (
        <>
          <div className="field">
            <label htmlFor={`${uid}-tz`}>Timezone</label>
            <input
              id={`${uid}-tz`}
              className="input tz-input"
              list={`${uid}-tzlist`}
              value={hours.timezone}
              placeholder="Search, e.g. Europe/Paris"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={tzErr.length > 0 || undefined}
              aria-describedby={tzErr.length ? `${uid}-tz-err` : undefined}
              onChange={(e) => setHours({ ...hours, timezone: e.target.value })}
            />
            <TimezoneList id={`${uid}-tzlist`} />
            <FieldError id={`${uid}-tz-err`} problems={tzErr} />
          </div>

          <fieldset className="plain week">
            <legend>Opening hours</legend>
            <FieldError id={`${uid}-hours-err`} problems={hoursErr} />
            {DAYS.map((day) => {
              const rows = hours.hours.map((h, j) => ({ h, j })).filter(({ h }) => h.day === day);
              const dayErr = problemsAt(`${pre}.day.${day}`);
              return (
                <div key={day} className="day-row" data-day={day}>
                  <span className="day-name" id={`${uid}-${day}`}>
                    {DAY_SHORT[day]}
                  </span>
                  <div className="day-intervals">
                    {rows.length === 0 && <span className="muted small closed">Closed</span>}
                    {rows.map(({ h, j }, n) => {
                      const err = problemsAt(`${pre}.hour.${j}`);
                      const bad = err.length > 0 || dayErr.length > 0;
                      const label = `${DAY_LABEL[day]} interval ${n + 1}`;
                      return (
                        <span key={j} className="interval">
                          <input
                            className="input time"
                            value={h.start}
                            inputMode="numeric"
                            maxLength={5}
                            aria-label={`${label} start`}
                            aria-invalid={bad || undefined}
                            onChange={(e) => setInterval(j, { start: e.target.value })}
                          />
                          <span aria-hidden="true">–</span>
                          <input
                            className="input time"
                            value={h.end}
                            inputMode="numeric"
                            maxLength={5}
                            aria-label={`${label} end`}
                            aria-invalid={bad || undefined}
                            onChange={(e) => setInterval(j, { end: e.target.value })}
                          />
                          <button
                            type="button"
                            className="icon-button small-icon"
                            aria-label={`Remove ${label}`}
                            onClick={() => removeInterval(j)}
                          >
                            ×
                          </button>
                          {err.length > 0 && (
                            <span className="field-error inline" role="alert">
                              {err[0].message}
                            </span>
                          )}
                        </span>
                      );
                    })}
                    <button
                      type="button"
                      className="link-button small"
                      aria-label={`Add ${DAY_LABEL[day]} interval`}
                      onClick={() => addInterval(day)}
                    >
                      + Add
                    </button>
                    {dayErr.length > 0 && (
                      <div className="field-error day-error" role="alert">
                        {dayErr[0].message}
                      </div>
                    )}
                  </div>
                </div>
              );
            })}
            <p className="muted small">Times are HH:MM in the calendar&rsquo;s timezone; 24:00 ends the day.</p>
          </fieldset>

          <fieldset className="plain">
            <legend>Holidays</legend>
            {hours.holidays.length === 0 && <p className="muted small">No holidays.</p>}
            {hours.holidays.length > 0 && (
              <ul className="holiday-list">
                {hours.holidays.map((h, j) => {
                  const err = problemsAt(`${pre}.holiday.${j}`);
                  return (
                    <li key={j}>
                      <input
                        type="date"
                        className="input"
                        value={h.date}
                        aria-label={`Holiday ${j + 1} date`}
                        aria-invalid={err.length > 0 || undefined}
                        onChange={(e) => setHoliday(j, { date: e.target.value })}
                      />
                      <input
                        className="input grow"
                        value={h.name}
                        placeholder="Name, e.g. Christmas"
                        aria-label={`Holiday ${j + 1} name`}
                        onChange={(e) => setHoliday(j, { name: e.target.value })}
                      />
                      <label className="check">
                        <input type="checkbox" checked={h.yearly} onChange={(e) => setHoliday(j, { yearly: e.target.checked })} />
                        Every year
                      </label>
                      <button
                        type="button"
                        className="icon-button small-icon"
                        aria-label={`Remove holiday ${h.name || j + 1}`}
                        onClick={() => setHours({ ...hours, holidays: hours.holidays.filter((_, k) => k !== j) })}
                      >
                        ×
                      </button>
                      {err.length > 0 && (
                        <span className="field-error inline" role="alert">
                          {err[0].message}
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
            <button
              type="button"
              className="link-button small"
              onClick={() =>
                setHours({
                  ...hours,
                  holidays: [...hours.holidays, { date: new Date().toISOString().slice(0, 10), yearly: false, name: '' }],
                })
              }
            >
              + Add holiday
            </button>
          </fieldset>
        </>
      )}
    </section>
  );
}

function DurationInput({
  id,
  label,
  minutes,
  problems,
  onChange,
}: {
  id: string;
  label: string;
  minutes: number;
  problems: Problem[];
  onChange: (m: number) => void;
}) {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const num = (v: string) => (v.trim() === '' ? 0 : Math.max(0, Math.floor(Number(v)) || 0));
  const bad = problems.length > 0 || undefined;
  return (
    <fieldset className="plain field duration" aria-describedby={problems.length ? `${id}-err` : undefined}>
      <legend>{label}</legend>
      <span className="duration-inputs">
        <input
          id={`${id}-h`}
          type="number"
          min={0}
          className="input num"
          value={h}
          aria-label={`${label} hours`}
          aria-invalid={bad}
          onChange={(e) => onChange(num(e.target.value) * 60 + m)}
        />
        <span className="unit">h</span>
        <input
          id={`${id}-m`}
          type="number"
          min={0}
          max={59}
          className="input num"
          value={m}
          aria-label={`${label} minutes`}
          aria-invalid={bad}
          onChange={(e) => onChange(h * 60 + Math.min(59, num(e.target.value)))}
        />
        <span className="unit">min</span>
      </span>
      <FieldError id={`${id}-err`} problems={problems} />
    </fieldset>
  );
}

const ALWAYS_VALUE = '__always';
const EMBEDDED_VALUE = '__embedded';

type PolicyProps = {
  policy: SlaPolicy;
  index: number;
  count: number;
  calendars: NamedCalendar[];
  categories: Category[];
  problemsAt: ProblemsAt;
  onChange: (p: SlaPolicy) => void;
  onMove: (delta: -1 | 1) => void;
  onRemove: () => void;
};

export function PolicyEditor({ policy, index, count, calendars, categories, problemsAt, onChange, onMove, onRemove }: PolicyProps) {
  const uid = useId();
  const pre = `policy.${index}`;
  const nameErr = problemsAt(`${pre}.name`);
  const prioErr = problemsAt(`${pre}.priorities`);
  const calErr = problemsAt(`${pre}.calendar`);
  const riskErr = [...problemsAt(`${pre}.atRiskPercent`), ...problemsAt(`${pre}.atRiskFloor`)];
  const embeddedErr = problemsAt(`${pre}.embedded.timezone`).concat(problemsAt(`${pre}.embedded.hours`));
  const c = policy.calendar;
  const calValue =
    c.kind === 'shared' ? c.id : c.calendar.kind === 'alwaysOpen' ? ALWAYS_VALUE : EMBEDDED_VALUE;
  const display = policy.name.trim() || `policy ${index + 1}`;
  const togglePriority = (p: Priority, on: boolean) =>
    onChange({
      ...policy,
      priorities: on ? PRIORITIES.filter((x) => x === p || policy.priorities.includes(x)) : policy.priorities.filter((x) => x !== p),
    });

  return (
    <li className="editor-card policy" data-testid={`policy-${policy.id}`} aria-labelledby={`${uid}-title`}>
      <div className="editor-card-head">
        <span className="policy-order" aria-hidden="true">
          {index + 1}
        </span>
        <h4 id={`${uid}-title`} className="visually-hidden">
          Policy {index + 1}: {display}
        </h4>
        <div className="field grow">
          <label htmlFor={`${uid}-name`}>Policy name</label>
          <input
            id={`${uid}-name`}
            className="input"
            value={policy.name}
            aria-invalid={nameErr.length > 0 || undefined}
            aria-describedby={nameErr.length ? `${uid}-name-err` : undefined}
            onChange={(e) => onChange({ ...policy, name: e.target.value })}
          />
          <FieldError id={`${uid}-name-err`} problems={nameErr} />
        </div>
        <div className="order-buttons">
          <button type="button" className="button subtle" disabled={index === 0} onClick={() => onMove(-1)} aria-label={`Move ${display} up`}>
            ↑
          </button>
          <button
            type="button"
            className="button subtle"
            disabled={index === count - 1}
            onClick={() => onMove(1)}
            aria-label={`Move ${display} down`}
          >
            ↓
          </button>
          <button type="button" className="button subtle" onClick={onRemove} aria-label={`Remove ${display}`}>
            Remove
          </button>
        </div>
      </div>

      <div className="policy-grid">
        <fieldset className="plain field span-2" aria-describedby={prioErr.length ? `${uid}-prio-err` : undefined}>
          <legend>Priorities</legend>
          <span className="chips">
            {PRIORITIES.map((p) => (
              <label key={p} className={`chip-check priority-${p}`}>
                <input type="checkbox" checked={policy.priorities.includes(p)} onChange={(e) => togglePriority(p, e.target.checked)} />
                {PRIORITY_LABEL[p]}
              </label>
            ))}
          </span>
          <FieldError id={`${uid}-prio-err`} problems={prioErr} />
        </fieldset>
        <div className="field">
          <label htmlFor={`${uid}-cat`}>Category</label>
          <select
            id={`${uid}-cat`}
            className="input"
            value={policy.categoryId ?? ''}
            onChange={(e) => onChange({ ...policy, categoryId: e.target.value || null })}
          >
            <option value="">Any category</option>
            <CategoryOptions categories={categories} />
          </select>
        </div>
        <DurationInput
          id={`${uid}-fr`}
          label="First response"
          minutes={policy.firstResponseMinutes}
          problems={problemsAt(`${pre}.firstResponse`)}
          onChange={(m) => onChange({ ...policy, firstResponseMinutes: m })}
        />
        <DurationInput
          id={`${uid}-res`}
          label="Resolution"
          minutes={policy.resolutionMinutes}
          problems={problemsAt(`${pre}.resolution`)}
          onChange={(m) => onChange({ ...policy, resolutionMinutes: m })}
        />
        <div className="field">
          <label htmlFor={`${uid}-cal`}>Calendar</label>
          <select
            id={`${uid}-cal`}
            className="input"
            value={calValue}
            aria-invalid={calErr.length > 0 || undefined}
            aria-describedby={calErr.length ? `${uid}-cal-err` : undefined}
            onChange={(e) => {
              const v = e.target.value;
              if (v === EMBEDDED_VALUE) return;
              onChange({
                ...policy,
                calendar: v === ALWAYS_VALUE ? { kind: 'embedded', calendar: ALWAYS } : { kind: 'shared', id: v },
              });
            }}
          >
            <option value={ALWAYS_VALUE}>24/7 (calendar time)</option>
            {calendars.map((cal) => (
              <option key={cal.id} value={cal.id}>
                {cal.name || cal.id}
              </option>
            ))}
            {calValue === EMBEDDED_VALUE && <option value={EMBEDDED_VALUE}>Custom hours (this policy only)</option>}
            {c.kind === 'shared' && !calendars.some((x) => x.id === c.id) && <option value={c.id}>Missing calendar “{c.id}”</option>}
          </select>
          <FieldError id={`${uid}-cal-err`} problems={[...calErr, ...embeddedErr]} />
        </div>
        <fieldset className="plain field span-2" aria-describedby={`${uid}-risk-help`}>
          <legend>At risk when</legend>
          <span className="duration-inputs">
            <input
              type="number"
              min={0}
              max={100}
              className="input num"
              value={policy.atRiskPercent}
              aria-label="At-risk percent of target"
              aria-invalid={riskErr.length > 0 || undefined}
              onChange={(e) => onChange({ ...policy, atRiskPercent: Math.floor(Number(e.target.value) || 0) })}
            />
            <span className="unit">% left, at least</span>
            <input
              type="number"
              min={0}
              className="input num"
              value={policy.atRiskFloorMinutes}
              aria-label="At-risk floor in minutes"
              aria-invalid={riskErr.length > 0 || undefined}
              onChange={(e) => onChange({ ...policy, atRiskFloorMinutes: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
            />
            <span className="unit">min</span>
          </span>
          <span id={`${uid}-risk-help`} className="muted small">
            A target is at risk once its remaining business time is at or below the larger of the two.
          </span>
          <FieldError id={`${uid}-risk-err`} problems={riskErr} />
        </fieldset>
      </div>
    </li>
  );
}
