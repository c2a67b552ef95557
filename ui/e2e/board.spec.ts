import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png` });

const cards = (page: Page) => page.getByTestId('ticket-card');
const total = (page: Page) => page.getByTestId('total');

async function openBoard(page: Page, query = '') {
  // A dialog of any kind (alert from an XSS payload) fails the test.
  page.on('dialog', (d) => {
    throw new Error(`unexpected dialog: ${d.type()} ${d.message()}`);
  });
  await page.goto(`/?mock${query}`);
  await expect(cards(page).first()).toBeVisible();
}

// Each test gets a fresh browser context, so localStorage starts empty.

test('board paints, marks first paint, and is screenshotted in light and dark', async ({ page }) => {
  await openBoard(page);
  await expect(total(page)).toHaveText('3,000 tickets');
  const marks = await page.evaluate(() => performance.getEntriesByName('board-first-paint').length);
  expect(marks).toBe(1);
  await shot(page, 'board-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'board-dark');
});

test('filters by priority, shows a chip, and measures the repaint', async ({ page }) => {
  await openBoard(page);
  await page.getByLabel('Priority', { exact: true }).selectOption('urgent');
  await expect(page.getByRole('list', { name: 'Active filters' })).toContainText('Priority: Urgent');
  await expect(total(page)).not.toHaveText('3,000 tickets');
  const n = await cards(page).count();
  for (let i = 0; i < n; i++) await expect(cards(page).nth(i).locator('[data-priority]')).toHaveAttribute('data-priority', 'urgent');
  await expect.poll(() => page.evaluate(() => performance.getEntriesByName('filter-repaint').length)).toBeGreaterThan(0);
  // Stats click filters by status; clicking again clears it.
  await page.getByTestId('stat-waiting').click();
  await expect(page.getByRole('list', { name: 'Active filters' })).toContainText('Status: Waiting');
  await page.getByTestId('stat-waiting').click();
  await expect(page.getByRole('list', { name: 'Active filters' })).not.toContainText('Status');
  // Filters survive a restart.
  await page.reload();
  await expect(page.getByLabel('Priority', { exact: true })).toHaveValue('urgent');
  await shot(page, 'board-filtered');
});

test('searches by ticket number in every accepted form', async ({ page }) => {
  await openBoard(page);
  const search = page.getByRole('searchbox', { name: 'Search tickets' });
  for (const q of ['TKT-042', '#TKT-042', '42']) {
    await search.fill(q);
    await expect(cards(page).first()).toContainText('TKT-042');
  }
  await search.fill('TKT-042');
  await expect(total(page)).toHaveText('1 ticket');
  await search.fill('refund');
  await expect(cards(page).first()).toContainText(/refund/i);
});

test('opens the detail panel, edits status, sees the history entry; tabs screenshotted', async ({ page }) => {
  await openBoard(page);
  await page.getByRole('searchbox', { name: 'Search tickets' }).fill('TKT-003');
  await expect(total(page)).toHaveText('1 ticket');
  await cards(page).first().click();
  const panel = page.getByRole('dialog');
  await expect(panel.getByRole('tab', { name: 'Details' })).toHaveAttribute('aria-selected', 'true');
  const status = panel.getByLabel('Status');
  const before = await status.inputValue();
  const next = before === 'waiting' ? 'in_progress' : 'waiting';
  await shot(page, 'detail-details');
  await status.selectOption(next);
  await expect(cards(page).first().locator('[data-status]')).toHaveAttribute('data-status', next);
  await panel.getByRole('tab', { name: 'History' }).click();
  const first = panel.getByRole('tabpanel').getByRole('listitem').first();
  await expect(first).toContainText('Maya Chen changed status');
  await expect(first).toContainText(next === 'waiting' ? 'Waiting' : 'In Progress');
  await shot(page, 'detail-history');
  await panel.getByRole('tab', { name: 'Comments' }).click();
  const box = panel.getByRole('combobox');
  await box.fill('Customer sent logs, @so');
  await expect(panel.getByRole('option').first()).toContainText('Sofia Rossi');
  await shot(page, 'detail-comments-mention');
  await box.press('Enter');
  await box.pressSequentially('please check');
  await panel.getByRole('button', { name: 'Comment' }).click();
  await expect(panel.locator('.mention', { hasText: '@Sofia Rossi' })).toBeVisible();
  await shot(page, 'detail-comments');
  await panel.getByRole('tab', { name: 'AI Insights' }).click();
  await expect(panel).toContainText('AI Insights is not enabled on this plan');
  await shot(page, 'detail-ai');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('bulk-changes selected tickets and confirms large changes', async ({ page }) => {
  await openBoard(page);
  await page.getByRole('button', { name: 'Select', exact: true }).click();
  const bar = page.getByTestId('bulk-bar');
  await cards(page).nth(0).click();
  await cards(page).nth(3).click({ modifiers: ['Shift'] });
  await expect(bar).toContainText('4 selected');
  await shot(page, 'bulk-selection');
  await bar.getByLabel('Assign to').selectOption({ label: 'Liam Okafor' });
  await expect(page.getByTestId('toast').last()).toContainText(/Changed assignee of [1-4] tickets?/);
  for (let i = 0; i < 4; i++) await expect(cards(page).nth(i)).toContainText('Liam Okafor');

  await page.getByLabel('Priority', { exact: true }).selectOption('low');
  await bar.getByRole('button', { name: /Select all .* matching/ }).click();
  const matching = (await total(page).textContent())!.replace(/\D/g, '');
  await bar.getByLabel('Change priority').selectOption('high');
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('tickets?');
  await shot(page, 'bulk-confirm');
  await dialog.getByRole('button', { name: /Update/ }).click();
  await expect(page.getByTestId('toast').last()).toContainText(`Changed priority of ${Number(matching).toLocaleString('en-US')} tickets`);
  await expect(page.getByTestId('empty-no-matches')).toBeVisible();
});

test('undoes a bulk change from the toast and with Ctrl+Z', async ({ page }) => {
  await openBoard(page);
  await page.getByLabel('Status', { exact: true }).selectOption('open');
  await expect(total(page)).not.toHaveText('3,000 tickets');
  const openCount = (await total(page).textContent())!;
  await page.getByRole('button', { name: 'Select', exact: true }).click();
  const bar = page.getByTestId('bulk-bar');
  await cards(page).nth(0).click();
  await cards(page).nth(2).click({ modifiers: ['Shift'] });
  await bar.getByLabel('Change status').selectOption('waiting');
  const toast = page.getByTestId('toast').filter({ hasText: 'Changed status of 3 tickets' });
  await expect(toast).toContainText('Undo');
  await expect(total(page)).not.toHaveText(openCount);
  await shot(page, 'bulk-undo-toast');
  await toast.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByTestId('toast').last()).toContainText('Undid the change to 3 tickets');
  await expect(total(page)).toHaveText(openCount);

  // Ctrl+Z undoes the next one while its toast shows.
  await cards(page).nth(0).click();
  await bar.getByLabel('Change priority').selectOption('low');
  await expect(page.getByTestId('toast').filter({ hasText: /Changed priority of \d+ tickets?/ })).toBeVisible();
  await page.locator('body').press('Control+z');
  await expect(page.getByTestId('toast').last()).toContainText(/Undid the change to \d+ tickets?/);
});

test('exports the selection to CSV with feedback', async ({ page }) => {
  await openBoard(page);
  await page.getByRole('button', { name: 'Select', exact: true }).click();
  const bar = page.getByTestId('bulk-bar');
  await bar.getByRole('button', { name: /Select all 3,000 matching/ }).click();
  await bar.getByRole('button', { name: 'Export CSV' }).click();
  await expect(page.getByTestId('toast').last()).toContainText('Exported 3,000 tickets to /home/agent/tickets.csv');
});

test('an XSS title stays text', async ({ page }) => {
  await openBoard(page);
  await page.getByRole('searchbox', { name: 'Search tickets' }).fill('7');
  const card = cards(page).filter({ hasText: 'TKT-007' });
  await expect(card).toContainText('<img src=x onerror=alert(1)>');
  expect(await page.locator('[data-testid=ticket-card] img').count()).toBe(0);
  await card.click();
  await expect(page.getByRole('dialog').getByLabel('Title')).toHaveValue('<img src=x onerror=alert(1)>');
  expect(await page.locator('img[src=x]').count()).toBe(0);
  await shot(page, 'xss-literal');
});

test('keeps the DOM small while scrolling through thousands of tickets', async ({ page }) => {
  await openBoard(page, '&count=20000');
  await expect(total(page)).toHaveText('20,000 tickets');
  const scroller = page.getByTestId('ticket-scroll');
  let maxDom = 0;
  for (let i = 0; i < 40; i++) {
    await scroller.evaluate((el) => el.scrollBy(0, el.clientHeight * 3));
    await page.waitForTimeout(40);
    maxDom = Math.max(maxDom, await cards(page).count());
  }
  await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await page.waitForTimeout(200);
  const lastIndex = await cards(page).last().getAttribute('data-index');
  console.log(`max cards in DOM: ${maxDom}; deepest card index reached: ${lastIndex}`);
  expect(maxDom).toBeLessThan(300);
  expect(Number(lastIndex)).toBeGreaterThan(1000);
});

test('keyboard: / focuses search, j/k move, Enter opens, Esc closes, x selects', async ({ page }) => {
  await openBoard(page);
  await page.keyboard.press('/');
  await expect(page.getByRole('searchbox')).toBeFocused();
  await page.keyboard.press('Escape');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await page.keyboard.press('j');
  await expect(cards(page).nth(1)).toBeFocused();
  await shot(page, 'keyboard-focus');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(cards(page).nth(1)).toBeFocused();
  await page.keyboard.press('x');
  await expect(page.getByTestId('bulk-bar')).toContainText('1 selected');
});

for (const [w, h] of [
  [1024, 700],
  [2560, 1440],
] as const) {
  test(`layout holds at ${w}×${h}`, async ({ page }) => {
    await page.setViewportSize({ width: w, height: h });
    await openBoard(page);
    await cards(page).nth(1).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, `layout-${w}x${h}`);
  });
}

test('empty workspace shows quick actions', async ({ page }) => {
  await page.goto('/?mock&count=0');
  await expect(page.getByTestId('empty-no-tickets')).toBeVisible();
  await shot(page, 'empty-state');
  await page.getByRole('button', { name: 'Configure Rules' }).click();
  await expect(page.getByRole('main', { name: 'Settings' }).getByRole('heading', { name: 'Rules', level: 2 })).toBeVisible();
});
