import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png` });

async function open(page: Page, query = '') {
  page.on('dialog', (d) => {
    throw new Error(`unexpected dialog: ${d.type()} ${d.message()}`);
  });
  await page.goto(`/?mock${query}`);
  await expect(page.getByTestId('ticket-card').first()).toBeVisible();
}

test('knowledge base: search, marked passages, Markdown as text, admin edit', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'Knowledge base' }).click();
  const list = page.getByRole('region', { name: 'Articles' });
  await expect(list.getByRole('button', { name: /VPN keeps disconnecting/ })).toBeVisible();
  await page.getByLabel('Search articles').fill('proto');
  await expect(list.getByRole('button')).toHaveCount(1);
  await expect(list.locator('mark')).toHaveText(['protocol']);
  await list.getByRole('button', { name: /VPN keeps disconnecting/ }).click();
  const article = page.getByRole('region', { name: 'Article', exact: true });
  await expect(article.getByRole('heading', { name: 'Symptoms' })).toBeVisible();
  await expect(article.locator('strong', { hasText: 'VPN' })).toBeVisible();
  await shot(page, 'kb-article');

  // The XSS article renders as text; nothing runs.
  await page.getByLabel('Search articles').fill('');
  await list.getByRole('button', { name: /Phishing/ }).click();
  await expect(article.getByRole('heading', { level: 2 })).toContainText('<img src=x onerror=');
  await expect(article.locator('script, img, [onerror], a[href^="javascript"]')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

  // An admin writes an article; it is found by search at once.
  await page.getByRole('button', { name: 'New article' }).click();
  await page.getByLabel('Title').fill('Badge printer jams');
  await page.getByLabel('Tags (comma separated)').fill('printing, badges');
  await page.getByLabel('Body (Markdown)').fill('## Steps\n\n1. Open the *rear* door.\n2. Remove the card.');
  await page.getByRole('button', { name: 'Save article' }).click();
  await expect(article.getByRole('heading', { level: 2, name: 'Badge printer jams' })).toBeVisible();
  await page.getByLabel('Search articles').fill('badge rear');
  await expect(list.getByRole('button', { name: /Badge printer jams/ })).toBeVisible();
  await shot(page, 'kb-search');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'kb-search-dark');
});

test('AI Insights tab: local analysis, related articles, generated summary', async ({ page }) => {
  await open(page, '&ai=1');
  await page.getByPlaceholder('Search number or title').fill('Refund not received');
  const card = page.getByTestId('ticket-card').first();
  await expect(card).toContainText('Refund not received');
  await card.click();
  await page.getByRole('tab', { name: 'AI Insights' }).click();
  const panel = page.getByRole('tabpanel');
  await expect(panel.getByRole('heading', { name: 'Analysis' })).toBeVisible();
  await expect(panel.getByText('Language code (ISO 639-3)')).toBeVisible();
  const related = panel.getByRole('region', { name: 'Related articles' });
  await expect(related.getByRole('button', { name: 'Refunds and duplicate charges' })).toBeVisible();
  await expect(related.locator('mark').first()).toBeVisible();
  await panel.getByRole('button', { name: 'Generate summary' }).click();
  await expect(panel.getByText('Generated', { exact: true })).toBeVisible();
  await shot(page, 'ai-insights');
});

test('AI Insights tab explains when the plan lacks it', async ({ page }) => {
  await open(page);
  await page.getByTestId('ticket-card').first().click();
  await page.getByRole('tab', { name: 'AI Insights' }).click();
  await expect(page.getByText('AI Insights is not enabled on this plan')).toBeVisible();
});
