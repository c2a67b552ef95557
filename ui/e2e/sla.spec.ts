import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png` });

test('a ticket explains its due date', async ({ page }) => {
  await page.goto('/?mock');
  await page.getByRole('searchbox', { name: 'Search tickets' }).fill('TKT-004');
  await expect(page.getByTestId('total')).toHaveText('1 ticket');
  await page.getByTestId('ticket-card').first().click();
  const panel = page.getByRole('dialog');
  const section = panel.getByTestId('sla-section');
  await expect(section.getByTestId('sla-policy')).toContainText('Policy:');
  await expect(section.getByTestId('sla-target-first_response')).toBeVisible();
  await expect(section.getByTestId('sla-target-resolution')).toBeVisible();
  await section.getByText('Why this due date?').click();
  const timeline = section.getByRole('list', { name: 'SLA timeline' });
  await expect(timeline.getByRole('listitem').first()).toBeVisible();
  await section.scrollIntoViewIfNeeded();
  await shot(page, 'sla-details');
});

test('an admin edits a policy target and saves; an overlapping interval is explained', async ({ page }) => {
  await page.goto('/?mock');
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'SLA policies' })).toBeVisible();
  const high = page.getByTestId('policy-high');
  await high.getByLabel('First response hours').fill('2');
  await expect(page.getByText('Unsaved changes')).toBeVisible();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('SLA settings saved');
  await shot(page, 'settings-sla');

  const cal = page.getByTestId('calendar-business-hours');
  await cal.getByRole('button', { name: 'Add Tuesday interval' }).click();
  await cal.getByLabel('Tuesday interval 1 end').fill('12:30');
  await cal.getByLabel('Tuesday interval 2 start').fill('12:00');
  await cal.getByLabel('Tuesday interval 2 end').fill('17:00');
  await expect(cal.getByRole('alert')).toContainText('Tuesday 09:00–12:30 overlaps 12:00–17:00');
  await expect(page.getByRole('button', { name: 'Save' })).toBeDisabled();
  await cal.getByLabel('Tuesday interval 2 start').scrollIntoViewIfNeeded();
  await shot(page, 'settings-sla-overlap');
  await page.getByRole('button', { name: 'Discard' }).click();
  await expect(cal.getByRole('alert')).toHaveCount(0);
});

test('agents see SLA settings read-only', async ({ page }) => {
  await page.goto('/?mock&agent=1');
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('note')).toContainText('read-only');
  await expect(page.getByTestId('policy-high').getByLabel('First response hours')).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save' })).toHaveCount(0);
  await shot(page, 'settings-sla-readonly');
});
