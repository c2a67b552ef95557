import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png` });

async function emptyBoard(page: Page) {
  page.on('dialog', (d) => {
    throw new Error(`unexpected dialog: ${d.type()} ${d.message()}`);
  });
  await page.goto('/?mock&count=0');
  await expect(page.getByTestId('empty-no-tickets')).toBeVisible();
}

test('escalate a conversation from the Inbox, land on the ticket, follow the link back', async ({ page }) => {
  await emptyBoard(page);
  await page.getByRole('button', { name: 'Go to Inbox' }).click();
  const rows = page.getByTestId('conv-row');
  await expect(rows).toHaveCount(4);
  await rows.filter({ hasText: 'Marta Silva' }).click();
  await expect(page.getByRole('heading', { name: 'Outage: dashboard not loading' })).toBeVisible();
  await page.getByLabel('Reply').fill('We are on it.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await expect(page.getByRole('list', { name: 'Messages' })).toContainText('We are on it.');
  await shot(page, 'inbox');

  await page.getByRole('button', { name: 'Create ticket' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create ticket' });
  await expect(dialog.getByLabel('Title')).toHaveValue('Outage: dashboard not loading');
  await expect(dialog.getByLabel('Description')).toHaveValue(/blank page/);
  await dialog.getByLabel('Priority').selectOption('urgent');
  await dialog.getByLabel('Assignee').selectOption({ index: 1 });
  await shot(page, 'inbox-create-ticket');
  await dialog.getByRole('button', { name: 'Create ticket' }).click();

  // Landed on the new ticket on the board.
  const card = page.getByTestId('ticket-card');
  await expect(card).toHaveCount(1);
  await expect(card).toContainText('Outage: dashboard not loading');
  const link = page.getByRole('button', { name: 'Link to conversation' });
  await expect(link).toBeVisible();
  await shot(page, 'inbox-ticket');
  await link.click();
  // Back in the Inbox on the same thread, which now links to its ticket.
  await expect(page.getByRole('heading', { name: 'Outage: dashboard not loading' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Open TKT-/ })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Messages' })).toContainText('We are on it.');
});

test('the empty board leads to Workflows and Rules; a workflow dry-runs and saves', async ({ page }) => {
  await emptyBoard(page);
  await page.getByRole('button', { name: 'Configure Rules' }).click();
  await expect(page.getByRole('heading', { name: 'Rules', level: 2 })).toBeVisible();
  await page.getByRole('button', { name: 'Workflows' }).click();
  await expect(page.getByRole('heading', { name: 'Workflows', level: 2 })).toBeVisible();
  await page.getByRole('button', { name: 'Add workflow' }).click();
  const rule = page.getByTestId('rule-card');
  await rule.getByLabel('Rule name').fill('Escalate outages');
  await rule.getByLabel('Words (comma-separated)').fill('outage');
  await rule.getByRole('button', { name: 'Dry run' }).click();
  await expect(rule.getByTestId('dry-run')).toContainText('1 recent conversation would match');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('Workflows saved');
  await shot(page, 'settings-workflows');
  // Back via the sidebar: the board's empty state offers Set Up Workflows too.
  await page.getByRole('button', { name: 'Tickets' }).click();
  await page.getByRole('button', { name: 'Set Up Workflows' }).click();
  await expect(page.getByTestId('rule-card')).toHaveCount(1);
});
