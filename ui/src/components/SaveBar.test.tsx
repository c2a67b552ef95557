import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { useEffect } from 'react';
import { useDraft } from '../lib/useDraft';
import { SaveBar } from './SaveBar';

type Form = { name: string };

/** A draft of `{ name }` with a text box, saved through `persist`. */
function Page({ persist, problem = null }: { persist: (f: Form) => Promise<Form>; problem?: string | null }) {
  const form = useDraft<Form>();
  const { load } = form;
  useEffect(() => load({ name: 'Ada' }), [load]);
  return (
    <>
      <input
        aria-label="Name"
        value={form.draft?.name ?? ''}
        onChange={(e) => form.edit((f) => ({ ...f, name: e.target.value }))}
      />
      <SaveBar state={form} problem={problem} errorTestId="save-error" onSave={() => void form.save(persist, 'Saved.')} />
    </>
  );
}

const save = () => screen.getByRole('button', { name: 'Save' });
const discard = () => screen.getByRole('button', { name: 'Discard' });

describe('SaveBar with useDraft', () => {
  it('enables Save and Discard only for unsaved changes, and discards back to the saved value', () => {
    render(<Page persist={async (f) => f} />);
    expect(screen.getByText('All changes saved')).toBeInTheDocument();
    expect(save()).toBeDisabled();
    expect(discard()).toBeDisabled();
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Grace' } });
    expect(screen.getByText('Unsaved changes')).toBeInTheDocument();
    expect(save()).toBeEnabled();
    fireEvent.click(discard());
    expect(screen.getByLabelText('Name')).toHaveValue('Ada');
    expect(screen.getByText('All changes saved')).toBeInTheDocument();
  });

  it('saves what the backend returns and shows the notice until the next edit', async () => {
    const persist = vi.fn(async (f: Form) => ({ name: f.name.toUpperCase() }));
    render(<Page persist={persist} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Grace' } });
    fireEvent.click(save());
    expect(await screen.findByRole('status')).toHaveTextContent('Saved.');
    expect(persist).toHaveBeenCalledWith({ name: 'Grace' });
    expect(screen.getByLabelText('Name'), 'the saved value is what the backend returned').toHaveValue('GRACE');
    expect(save()).toBeDisabled();
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'GRACE H' } });
    expect(screen.queryByRole('status'), 'an edit clears the saved notice').toBeNull();
    expect(screen.getByText('Unsaved changes')).toBeInTheDocument();
  });

  it('shows a refused save verbatim and keeps the draft', async () => {
    render(<Page persist={() => Promise.reject({ code: 'conflict', message: 'changed elsewhere' })} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Grace' } });
    fireEvent.click(save());
    expect(await screen.findByTestId('save-error')).toHaveTextContent('changed elsewhere');
    expect(screen.getByLabelText('Name')).toHaveValue('Grace');
    expect(save(), 'a refused save can be retried').toBeEnabled();
  });

  it('shows a problem instead of the state and blocks Save while there is one', () => {
    render(<Page persist={async (f) => f} problem="1 problem to fix before saving: name is empty" />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: '' } });
    expect(screen.getByText('1 problem to fix before saving: name is empty')).toBeInTheDocument();
    expect(screen.queryByText('Unsaved changes')).toBeNull();
    expect(save()).toBeDisabled();
    expect(discard()).toBeEnabled();
  });
});
