import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png` });

test('Settings > Notifications edits, saves and keeps the preferences', async ({ page }) => {
  await page.goto('/?mock');
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('button', { name: 'Notifications' }).click();
  await expect(page.getByRole('heading', { name: 'Notifications' })).toBeVisible();
  const mine = page.getByLabel('Tickets assigned to me');
  const tray = page.getByLabel('Keep Outpost in the tray when I close the window');
  await expect(mine).toBeChecked();
  await expect(page.getByLabel('Quiet outside business hours')).toBeChecked();
  await expect(tray).not.toBeChecked();
  await shot(page, 'settings-notifications');

  await page.getByLabel('Unassigned Urgent and High tickets').uncheck();
  await tray.check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Notification settings saved.' })).toBeVisible();

  // Leave and come back: the saved values are read again from the backend.
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('button', { name: 'SLA policies' }).click();
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('button', { name: 'Notifications' }).click();
  await expect(page.getByLabel('Unassigned Urgent and High tickets')).not.toBeChecked();
  await expect(page.getByLabel('Keep Outpost in the tray when I close the window')).toBeChecked();
  await expect(page.getByLabel('Tickets assigned to me')).toBeChecked();
});

test('a missing notification service is shown once, dismissible, never blocking', async ({ page }) => {
  await page.goto('/?mock&notify=off');
  const notice = page.getByTestId('notifications-unavailable');
  await expect(notice).toContainText('Desktop notifications are unavailable:');
  await expect(notice).toContainText('SLA alerts still show on the board.');
  // The raw D-Bus error is kept, collapsed, under "Technical details".
  const raw = notice.getByText('org.freedesktop.Notifications', { exact: false });
  await expect(raw).toBeHidden();
  await expect(page.getByTestId('ticket-card').first()).toBeVisible();
  await shot(page, 'notifications-unavailable');
  await notice.getByText('Technical details').click();
  await expect(raw).toBeVisible();
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice).toHaveCount(0);
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Tickets' }).click();
  await expect(page.getByTestId('notifications-unavailable')).toHaveCount(0);
});
