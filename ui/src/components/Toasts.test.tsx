import { act, fireEvent, render, renderHook, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACTION_TOAST_MS, Toasts, useToasts } from './Toasts';

describe('Toasts', () => {
  afterEach(() => vi.useRealTimers());

  it('shows an action button that runs its action, and plain toasts without one', () => {
    const run = vi.fn();
    render(
      <Toasts
        toasts={[
          { id: 1, text: 'Changed status of 120 tickets', kind: 'info', action: { label: 'Undo', title: 'Undo (Ctrl+Z)', run } },
          { id: 2, text: 'Exported 3 tickets', kind: 'info' },
        ]}
      />,
    );
    const [withAction, plain] = screen.getAllByTestId('toast');
    expect(withAction).toHaveTextContent(/^Changed status of 120 tickets\s*·\s*Undo$/);
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    expect(run).toHaveBeenCalledOnce();
    expect(plain.querySelector('button')).toBeNull();
  });

  it('keeps a toast with an action longer, and dismisses on request', () => {
    vi.useFakeTimers();
    const { result } = renderHook(() => useToasts());
    let undoId = 0;
    act(() => {
      result.current.push('Updated');
      undoId = result.current.push('Changed priority of 2 tickets', 'info', { label: 'Undo', run: () => undefined });
    });
    expect(result.current.toasts).toHaveLength(2);
    act(() => vi.advanceTimersByTime(5_001));
    expect(result.current.toasts.map((t) => t.text)).toEqual(['Changed priority of 2 tickets']);
    act(() => vi.advanceTimersByTime(ACTION_TOAST_MS - 5_002));
    expect(result.current.toasts).toHaveLength(1);
    act(() => result.current.dismiss(undoId));
    expect(result.current.toasts).toHaveLength(0);
  });
});
