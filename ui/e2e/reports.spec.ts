import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

test('a team lead opens Reports, switches period, reads a table and exports a section', async ({ page }) => {
  await page.goto('/?mock');
  await page.getByRole('button', { name: 'Reports' }).click();
  await expect(page.getByRole('heading', { name: 'Reports', level: 1 })).toBeVisible();
  await expect(page.getByTestId('kpis')).toBeVisible();
  // Charts are drawn (SVG from recharts), with the 7-day period by default.
  const backlog = page.getByTestId('report-backlog');
  await expect(backlog.getByRole('application')).toBeVisible();
  await expect(page.getByRole('radio', { name: '7 days' })).toHaveAttribute('aria-checked', 'true');

  // Hovering a bar shows its exact number in the tooltip.
  const agentLoad = page.getByTestId('report-agent_load');
  await agentLoad.scrollIntoViewIfNeeded();
  const bar = agentLoad.locator('.recharts-bar-rectangle').first();
  await bar.hover();
  await expect(agentLoad.locator('.recharts-tooltip-wrapper')).toContainText('Open');

  // 30 days: the backlog table has one row per day, plus the header.
  await page.getByRole('radio', { name: '30 days' }).click();
  await expect(page.getByTestId('report-range')).toContainText('–');
  await backlog.getByRole('button', { name: 'Table' }).click();
  await expect(backlog.getByRole('row')).toHaveCount(31);

  // Keyboard: the period radios and toggles are buttons reachable by Tab.
  await page.getByRole('radio', { name: 'Today' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('radio', { name: 'Today' })).toHaveAttribute('aria-checked', 'true');
  await expect(backlog.getByRole('row')).toHaveCount(2);
  await page.getByRole('radio', { name: '30 days' }).click();
  await expect(backlog.getByRole('row')).toHaveCount(31);

  // Export: the (mock) save dialog answers a path; a toast confirms.
  const compliance = page.getByTestId('report-compliance');
  await compliance.getByRole('button', { name: 'Export SLA compliance as CSV' }).click();
  await expect(page.getByTestId('toast')).toContainText('Exported SLA compliance (2 rows)');

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator('.reports').evaluate((el) => el.scrollTo(0, 0));
  await shot(page, 'reports');
  await page.locator('.reports').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await shot(page, 'reports-bottom');
});

test('Reports are readable in dark mode', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/?mock');
  await page.getByRole('button', { name: 'Reports' }).click();
  await page.getByRole('radio', { name: '30 days' }).click();
  await expect(page.getByTestId('report-backlog').getByRole('application')).toBeVisible();
  await expect(page.getByTestId('kpis')).toBeVisible();
  await shot(page, 'reports-dark');
});
