import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import type { Status } from '../bindings';
import { StatsBar } from './StatsBar';

function Harness() {
  const [active, setActive] = useState<Status | null>(null);
  return (
    <>
      <StatsBar counts={{ open: 1200, inProgress: 3, waiting: 4, resolved: 5, closed: 6 }} active={active} onPick={setActive} />
      <output>{active ?? 'none'}</output>
    </>
  );
}

describe('StatsBar', () => {
  it('shows counts and toggles the status filter on click', () => {
    render(<Harness />);
    const open = screen.getByRole('button', { name: /Open/ });
    expect(open).toHaveTextContent((1200).toLocaleString());
    expect(open).toHaveAttribute('aria-pressed', 'false');
    fireEvent.click(open);
    expect(screen.getByRole('status')).toHaveTextContent('open');
    expect(open).toHaveAttribute('aria-pressed', 'true');
    fireEvent.click(screen.getByRole('button', { name: /Waiting/ }));
    expect(screen.getByRole('status')).toHaveTextContent('waiting');
    fireEvent.click(screen.getByRole('button', { name: /Waiting/ }));
    expect(screen.getByRole('status')).toHaveTextContent('none');
  });
});
