import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { XSS_TITLE } from '../mock';
import { installMock, renderWithSession } from '../test/util';
import { InboxView } from './InboxView';

async function open(opts: { count?: number } = {}) {
  const m = installMock({ count: opts.count ?? 0 });
  const onOpenTicket = vi.fn();
  renderWithSession(<InboxView onOpenTicket={onOpenTicket} />);
  await screen.findAllByTestId('conv-row');
  return { m, onOpenTicket };
}

const rows = () => screen.getAllByTestId('conv-row');

describe('InboxView', () => {
  it('lists open conversations with unread state, last message and waiting time', async () => {
    await open();
    expect(rows()).toHaveLength(4);
    const first = rows()[0];
    expect(first).toHaveTextContent('Priya Natarajan');
    expect(first).toHaveTextContent('Invoice shows the wrong VAT rate');
    expect(first).toHaveTextContent('Our March invoice');
    expect(first).toHaveTextContent(/waiting \d+/);
    expect(within(first).getByLabelText('Unread')).toBeInTheDocument();
    // Opening it marks it read.
    fireEvent.click(first);
    await screen.findByRole('heading', { name: 'Invoice shows the wrong VAT rate' });
    await waitFor(() => expect(within(rows()[0]).queryByLabelText('Unread')).toBeNull());
  });

  it('filters by channel and status and searches messages', async () => {
    await open();
    fireEvent.click(screen.getByRole('button', { name: 'Chat' }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]).toHaveTextContent('Tom Becker');
    fireEvent.click(screen.getByRole('button', { name: 'Chat' }));
    fireEvent.change(screen.getByLabelText('Search conversations'), { target: { value: 'blank page' } });
    await waitFor(() => {
      expect(rows()).toHaveLength(1);
      expect(rows()[0]).toHaveTextContent('Marta Silva');
    });
    fireEvent.change(screen.getByLabelText('Search conversations'), { target: { value: 'nothing like this' } });
    expect(await screen.findByTestId('inbox-empty')).toBeInTheDocument();
  });

  it('replies, snoozes and escalates with a prefilled form, then opens the ticket', async () => {
    const { m, onOpenTicket } = await open();
    fireEvent.click(rows()[1]);
    await screen.findByRole('heading', { name: 'Cannot log in after password reset' });
    fireEvent.change(screen.getByLabelText('Reply'), { target: { value: 'Try clearing your cookies' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send reply' }));
    const messages = await screen.findByRole('list', { name: 'Messages' });
    await within(messages).findByText('Try clearing your cookies');
    await waitFor(() => expect(rows()[0]).toHaveTextContent('You: Try clearing your cookies'));
    expect(rows()[0]).not.toHaveTextContent(/waiting/);

    fireEvent.click(screen.getByRole('button', { name: 'Create ticket' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create ticket' });
    // The form shows once its prefill has loaded ("Loading…" before).
    const title = (await within(dialog).findByLabelText('Title')) as HTMLInputElement;
    await waitFor(() => expect(title.value).toBe('Cannot log in after password reset'));
    expect((within(dialog).getByLabelText('Description') as HTMLTextAreaElement).value).toContain('I reset my password');
    fireEvent.change(within(dialog).getByLabelText('Priority'), { target: { value: 'high' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create ticket' }));
    await waitFor(() => expect(onOpenTicket).toHaveBeenCalledTimes(1));
    const created = m.tickets.find((t) => t.id === onOpenTicket.mock.calls[0][0])!;
    expect(created.priority).toBe('high');
    expect(created.conversationId).not.toBeNull();
    expect(created.title).toBe('Cannot log in after password reset');
    // The thread now links to the ticket instead of offering another.
    expect(await screen.findByRole('button', { name: /Open TKT-/ })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create ticket' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Snooze' }));
    await waitFor(() => expect(rows()).toHaveLength(3), { timeout: 2000 });
  });

  it('focuses the dialog as it opens, and Esc closes it wherever the focus is', async () => {
    await open();
    const opener = screen.getByRole('button', { name: 'Log call or walk-in' });
    opener.focus();
    fireEvent.click(opener);
    const dialog = await screen.findByRole('dialog', { name: 'Log a call or walk-in' });
    await waitFor(() => expect(dialog.contains(document.activeElement)).toBe(true));
    (document.activeElement as HTMLElement).blur();
    fireEvent.keyDown(document.body, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.activeElement).toBe(opener);
  });

  it('logs a phone call with clear errors for bad input and renders text as text', async () => {
    await open();
    fireEvent.click(screen.getByRole('button', { name: 'Log call or walk-in' }));
    const dialog = await screen.findByRole('dialog', { name: 'Log a call or walk-in' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Log conversation' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('customerName must not be empty');
    fireEvent.change(within(dialog).getByLabelText('Customer name'), { target: { value: 'Zoë' } });
    fireEvent.change(within(dialog).getByLabelText('Subject'), { target: { value: XSS_TITLE } });
    fireEvent.change(within(dialog).getByLabelText('What the customer said'), { target: { value: 'Hello <b>there</b>' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Log conversation' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const heading = await screen.findByRole('heading', { name: XSS_TITLE });
    expect(heading.innerHTML).not.toContain('<img');
    expect(within(screen.getByRole('list', { name: 'Messages' })).getByText('Hello <b>there</b>')).toBeInTheDocument();
    expect(rows()).toHaveLength(5);
  });
});
