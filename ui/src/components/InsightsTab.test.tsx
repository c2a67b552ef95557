import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { installMock, renderWithSession } from '../test/util';
import { InsightsTab } from './InsightsTab';

describe('InsightsTab', () => {
  it('shows the analysis with its numbers, approaches and related articles with marked passages', async () => {
    const m = installMock();
    const vpn = m.tickets.find((t) => t.title.startsWith('Refund not received'));
    expect(vpn).toBeDefined();
    renderWithSession(<InsightsTab ticketId={vpn!.id} />);
    const analysis = await screen.findByRole('region', { name: 'Analysis' });
    expect(within(analysis).getByText('Language code (ISO 639-3)')).toBeInTheDocument();
    expect(within(analysis).getByText('eng')).toBeInTheDocument();
    const related = screen.getByRole('region', { name: 'Related articles' });
    const title = within(related).getByRole('button', { name: 'Refunds and duplicate charges' });
    expect(related.querySelectorAll('mark').length).toBeGreaterThan(0);
    fireEvent.click(title);
    const body = await within(related).findByRole('article', { name: 'Refunds and duplicate charges' });
    expect(body).toHaveTextContent('open a billing case with the invoice number');
    expect(screen.getByRole('region', { name: 'Suggested resolution approaches' })).toBeInTheDocument();
  });

  it('generates a summary when online, marks it as generated and explains offline', async () => {
    const m = installMock();
    const t = m.tickets[0];
    renderWithSession(<InsightsTab ticketId={t.id} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Generate summary' }));
    const section = screen.getByRole('region', { name: /Summary/ });
    expect(await within(section).findByText('Generated')).toBeInTheDocument();
    expect(within(section).getByText(`The customer reports: ${t.title}.`)).toBeInTheDocument();
    m.setServerReachable(false);
    fireEvent.click(within(section).getByRole('button', { name: 'Regenerate summary' }));
    expect(await within(section).findByRole('alert')).toHaveTextContent('need a connection');
    expect(within(section).getByText(`The customer reports: ${t.title}.`)).toBeInTheDocument();
  });

  it('says what went wrong when the ticket is gone', async () => {
    installMock();
    renderWithSession(<InsightsTab ticketId="nope" />);
    expect(await screen.findByRole('alert')).toHaveTextContent('not found');
  });
});
