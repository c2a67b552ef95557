//! A row of on/off chips picking any number of values (a multi-select shown
//! as buttons with `aria-pressed`): the Inbox's channel and status filters,
//! a rule condition's channels, priorities, statuses or categories.

type Props<T extends string> = {
  /** Names the group for assistive technology. */
  label: string;
  options: readonly (readonly [T, string])[];
  value: readonly T[];
  onChange: (value: T[]) => void;
};

export function ToggleChips<T extends string>({ label, options, value, onChange }: Props<T>) {
  return (
    <span className="chip-row" role="group" aria-label={label}>
      {options.map(([v, l]) => {
        const on = value.includes(v);
        return (
          <button
            key={v}
            type="button"
            className={`toggle-chip${on ? ' is-on' : ''}`}
            aria-pressed={on}
            onClick={() => onChange(on ? value.filter((x) => x !== v) : [...value, v])}
          >
            {l}
          </button>
        );
      })}
    </span>
  );
}
