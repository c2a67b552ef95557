import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SESSION, installMock, renderWithSession } from '../test/util';
import { AGENTS } from '../mock/data';
import { XSS_ARTICLE_TITLE } from '../mock';
import { KbView } from './KbView';

declare global {
  interface Window {
    __xss?: number;
  }
}

const articles = () => within(screen.getByRole('region', { name: 'Articles' }));

describe('KbView', () => {
  it('searches with every word as a prefix and marks the matching passage', async () => {
    installMock();
    renderWithSession(<KbView />);
    expect(await articles().findByText('VPN keeps disconnecting')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Search articles'), { target: { value: 'proto' } });
    await waitFor(() => expect(articles().queryByText('Printer shows offline')).not.toBeInTheDocument());
    const hit = articles().getByRole('button', { name: /VPN keeps disconnecting/ });
    const marks = hit.querySelectorAll('mark');
    expect([...marks].map((m) => m.textContent)).toEqual(['protocol']);
    fireEvent.change(screen.getByLabelText('Search articles'), { target: { value: 'zzzz' } });
    expect(await screen.findByText('No article matches this search.')).toBeInTheDocument();
  });

  it('renders Markdown as text: an XSS payload in an article stays inert', async () => {
    const m = installMock();
    window.__xss = undefined;
    renderWithSession(<KbView />);
    fireEvent.click(await articles().findByRole('button', { name: /Phishing/ }));
    const article = await screen.findByRole('heading', { level: 2, name: XSS_ARTICLE_TITLE });
    const region = screen.getByRole('region', { name: 'Article' });
    expect(article).toBeInTheDocument();
    expect(region.querySelector('script')).toBeNull();
    expect(region.querySelector('img')).toBeNull();
    expect(region.querySelector('[onerror]')).toBeNull();
    expect(region.querySelector('a[href^="javascript"]')).toBeNull();
    expect(within(region).getByText('Click me').tagName).toBe('SPAN');
    // A web link asks the shell to open the system browser.
    fireEvent.click(within(region).getByRole('link', { name: 'security portal' }));
    await waitFor(() => expect(m.kb.openedLinks).toEqual(['https://security.example.com/report']));
    expect(window.__xss).toBeUndefined();
  });

  it('lets an admin create, edit and delete an article', async () => {
    const m = installMock();
    renderWithSession(<KbView />);
    fireEvent.click(await screen.findByRole('button', { name: 'New article' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save article' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Give the article a title.');
    fireEvent.change(screen.getByLabelText('Title'), { target: { value: 'Badge printer' } });
    fireEvent.change(screen.getByLabelText('Tags (comma separated)'), { target: { value: 'Printing, badges' } });
    fireEvent.change(screen.getByLabelText('Body (Markdown)'), { target: { value: '# Steps\n\nUse **tray 1**.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save article' }));
    expect(await screen.findByRole('heading', { level: 2, name: 'Badge printer' })).toBeInTheDocument();
    expect(screen.getByText('tray 1').tagName).toBe('STRONG');
    expect(m.kb.articles.find((a) => a.title === 'Badge printer')?.tags).toEqual(['printing', 'badges']);

    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    fireEvent.change(screen.getByLabelText('Title'), { target: { value: 'Badge printer setup' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save article' }));
    expect(await screen.findByRole('heading', { level: 2, name: 'Badge printer setup' })).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Delete article' }));
    await waitFor(() => expect(m.kb.articles.some((a) => a.title.startsWith('Badge printer'))).toBe(false));
    expect(await screen.findByText('Pick an article to read it.')).toBeInTheDocument();
  });

  it('shows agents no editing controls', async () => {
    installMock({ agent: 1 });
    renderWithSession(<KbView />, { ...SESSION, agent: AGENTS[1] });
    fireEvent.click(await articles().findByRole('button', { name: /Printer shows offline/ }));
    expect(await screen.findByRole('heading', { level: 2, name: 'Printer shows offline' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'New article' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit' })).not.toBeInTheDocument();
  });
});
