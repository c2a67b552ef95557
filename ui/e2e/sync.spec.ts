import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png` });

test('the sync indicator opens its popover and a conflict opens its ticket', async ({ page }) => {
  await page.goto('/?mock');
  const indicator = page.getByTestId('sync-indicator');
  await expect(indicator).toContainText('Online · synced 2 min ago');
  await expect(indicator).toHaveAttribute('aria-expanded', 'false');
  await indicator.click();
  await expect(indicator).toHaveAttribute('aria-expanded', 'true');
  const pop = page.getByRole('dialog', { name: 'Sync' });
  await expect(pop).toBeVisible();
  await expect(pop.getByTestId('sync-state')).toHaveText(/Online/);
  await expect(pop.getByTestId('sync-pending')).toHaveText('None');
  const conflicts = pop.getByTestId('sync-conflict');
  await expect(conflicts).toHaveCount(3);
  await expect(conflicts.first()).toContainText('kept waiting');
  await shot(page, 'sync-popover');

  const link = conflicts.first().getByRole('button', { name: /^TKT-\d+$/ });
  const number = (await link.textContent())!.trim();
  await link.click();
  await expect(pop).toHaveCount(0);
  const panel = page.getByRole('dialog');
  await expect(panel).toContainText(number);
  await expect(panel).toContainText('Waiting');
  await shot(page, 'sync-conflict-ticket');
});

test('a change is pending, then synced by the background sync', async ({ page }) => {
  await page.goto('/?mock');
  const indicator = page.getByTestId('sync-indicator');
  await page.getByTestId('ticket-card').first().click();
  const panel = page.getByRole('dialog');
  const status = panel.getByLabel('Status');
  await status.selectOption((await status.inputValue()) === 'waiting' ? 'in_progress' : 'waiting');
  await expect(indicator).toContainText(/pending change|Syncing…/);
  await expect(indicator).toContainText('Online · synced just now', { timeout: 5000 });
});

test('offline: pending changes and the last error are shown', async ({ page }) => {
  await page.goto('/?mock&sync=offline');
  const indicator = page.getByTestId('sync-indicator');
  await expect(indicator).toContainText('Offline · 3 pending changes');
  await indicator.click();
  const pop = page.getByRole('dialog', { name: 'Sync' });
  await expect(pop.getByTestId('sync-error')).toContainText('Server unreachable');
  await pop.getByRole('button', { name: 'Sync now' }).click();
  await expect(pop.getByTestId('sync-state')).toHaveText(/Offline/, { timeout: 5000 });
  await expect(pop.getByRole('button', { name: 'Sync now' })).toBeEnabled();
  await shot(page, 'sync-offline');
});

test('local only: connect, wrong password, then sign in', async ({ page }) => {
  await page.goto('/?mock&sync=local');
  const indicator = page.getByTestId('sync-indicator');
  await expect(indicator).toHaveText('Local only');
  await indicator.click();
  await page.getByRole('dialog', { name: 'Sync' }).getByRole('button', { name: 'Connect to a server' }).click();
  await expect(page.getByRole('heading', { name: 'Server connection' })).toBeVisible();
  const form = page.getByRole('form', { name: 'Sign in to a server' });
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(form.getByText('Enter the server address.')).toBeVisible();
  await form.getByLabel('Server URL').fill('http://127.0.0.1:7878');
  await form.getByLabel('Email').fill('admin@demo.outpost');
  await form.getByLabel('Password').fill('wrong-password');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(form.getByTestId('signin-error')).toHaveText('Wrong email or password. Check them and try again.');
  await shot(page, 'sync-signin-error');

  await form.getByLabel('Password').fill('outpost-demo');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText(/Connected ·/)).toBeVisible();
  await expect(indicator).toContainText('Online · synced just now', { timeout: 5000 });
  await shot(page, 'sync-connected');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(indicator).toHaveText('Local only');
  await expect(page.getByRole('form', { name: 'Sign in to a server' })).toBeVisible();
});
