/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { seriousAccessibilityViolations } from './accessibility';
import { useWebModeSession } from './harness';

const session = useWebModeSession();

/** A page with the model loaded, counting the answers that finished (chat.end events). */
async function openApp(): Promise<{ page: Page; ends: () => number }> {
  const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  let ends = 0;
  page.on('websocket', (socket) => {
    socket.on('framereceived', ({ payload }) => {
      if (payload.toString().includes('"name":"chat.end"')) ends += 1;
    });
  });
  await page.goto(session.web.url);
  const panel = page.getByRole('complementary', { name: 'Model' });
  await expect.poll(() => panel.textContent(), { timeout: 60_000 }).toMatch(/llama/i);
  return { page, ends: () => ends };
}

const list = (page: Page): Locator => page.getByRole('navigation', { name: 'Conversations' });
const entry = (page: Page, title: string): Locator => list(page).getByRole('button', { name: title, exact: true });

/** Waits until `run` has made one more answer finish, and the page shows it finished. */
async function answered(page: Page, ends: () => number, run: () => Promise<void>): Promise<void> {
  const before = ends();
  await run();
  await expect.poll(ends, { timeout: 60_000 }).toBeGreaterThan(before);
  await expect.poll(() => page.locator('main [aria-busy="true"]').count()).toBe(0);
}

async function newChat(page: Page, ends: () => number, prompt: string): Promise<void> {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.getByRole('textbox', { name: 'Message' }).fill(prompt);
  await answered(page, ends, () => page.getByRole('button', { name: 'Send' }).click());
  await expect.poll(() => entry(page, prompt).count()).toBe(1);
}

async function menuAction(page: Page, title: string, action: string): Promise<void> {
  await list(page).getByRole('button', { name: `More actions for “${title}”` }).click();
  await page.getByRole('menu').getByRole('menuitem', { name: action }).click();
}

/** The text of the last answer shown. */
async function lastAnswer(page: Page): Promise<string> {
  return ((await page.locator('main article').last().locator('.prose').textContent()) ?? '').trim();
}

describe('saved conversations in Chromium', () => {
  it('renames a conversation inline, and the new title is kept', async () => {
    const { page, ends } = await openApp();
    await newChat(page, ends, 'Once upon a time');

    // Esc cancels.
    await entry(page, 'Once upon a time').dblclick();
    const field = list(page).getByRole('textbox', { name: 'Conversation title' });
    await field.fill('Never mind');
    await field.press('Escape');
    await expect.poll(() => entry(page, 'Once upon a time').count()).toBe(1);

    // Enter saves.
    await menuAction(page, 'Once upon a time', 'Rename');
    await field.fill('Bedtime story');
    await field.press('Enter');
    await expect.poll(() => entry(page, 'Bedtime story').count()).toBe(1);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Bedtime story');

    await page.reload();
    await expect.poll(() => entry(page, 'Bedtime story').count()).toBe(1);
    await page.close();
  });

  it('finds a word from an answer with Ctrl+K and opens the conversation at that message', async () => {
    const { page, ends } = await openApp();
    await newChat(page, ends, 'The little bird');
    const answer = await lastAnswer(page);
    const words = answer.match(/\b[A-Za-z]{4,}\b/g) ?? [];
    const word = words.find((w) => !/^(little|bird)$/i.test(w)) ?? words[0];
    expect(word, `no searchable word in: ${answer}`).toBeTruthy();

    // Somewhere else first, so that opening the hit has to switch conversations.
    await newChat(page, ends, 'A big red ball');

    await page.keyboard.press('Control+k');
    const dialog = page.getByRole('dialog', { name: 'Search conversations' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await dialog.getByRole('textbox', { name: 'Search' }).fill(word!);
    const hit = dialog.getByRole('option').filter({ hasText: 'The little bird' }).first();
    await expect.poll(() => hit.count(), { timeout: 10_000 }).toBe(1);
    const marked = (await hit.locator('mark').allTextContents()).map((t) => t.toLowerCase());
    expect(marked).toContain(word!.toLowerCase());
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Arrow keys move through the results; Enter opens the highlighted one.
    const options = dialog.getByRole('option');
    const index = await options.evaluateAll((els) => els.findIndex((el) => el.textContent?.includes('The little bird')));
    for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(() => options.nth(index).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('The little bird');
    await expect.poll(() => page.locator('main li.highlight').count()).toBe(1);
    expect(await page.locator('main li.highlight').textContent()).toContain(word!);

    // Esc closes without opening anything.
    await page.keyboard.press('Control+k');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    await page.close();
  });

  it('edits a prompt into a new branch, switches back, and remembers the branch shown', async () => {
    const { page, ends } = await openApp();
    await newChat(page, ends, 'Once upon a time there was');
    const firstAnswer = await lastAnswer(page);
    expect(firstAnswer.length).toBeGreaterThan(10);

    const main = page.getByRole('main');
    await main.getByRole('button', { name: 'Edit' }).first().click();
    const editor = main.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('A dog ran to the park');
    await answered(page, ends, () => main.getByRole('button', { name: 'Save and send' }).click());

    const versions = main.getByRole('group', { name: 'Versions of this prompt' });
    await expect.poll(() => versions.textContent()).toContain('2 / 2');
    expect(await main.textContent()).toContain('A dog ran to the park');
    expect(await versions.getByRole('button', { name: 'Next version' }).isDisabled()).toBe(true);

    await versions.getByRole('button', { name: 'Previous version' }).click();
    await expect.poll(() => versions.textContent()).toContain('1 / 2');
    await expect.poll(() => lastAnswer(page)).toBe(firstAnswer);
    expect(await main.textContent()).not.toContain('A dog ran to the park');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.reload();
    await expect.poll(() => page.getByRole('main').getByRole('group', { name: 'Versions of this prompt' }).textContent(), {
      timeout: 20_000,
    }).toContain('1 / 2');
    await expect.poll(() => lastAnswer(page)).toBe(firstAnswer);

    // Regenerate makes a second version of the answer.
    await answered(page, ends, () => page.getByRole('main').getByRole('button', { name: 'Regenerate' }).click());
    await expect
      .poll(() => page.getByRole('main').getByRole('group', { name: 'Versions of this answer' }).textContent())
      .toContain('2 / 2');
    await page.close();
  });

  it('exports a conversation as Markdown', async () => {
    const { page, ends } = await openApp();
    await newChat(page, ends, 'Tim found a shell');
    const download = page.waitForEvent('download');
    await menuAction(page, 'Tim found a shell', 'Export as Markdown');
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/\.md$/);
    const path = await file.path();
    expect(readFileSync(path, 'utf8')).toContain('Tim found a shell');
    await page.close();
  });

  it('deletes with undo, and without undo for good', async () => {
    const { page, ends } = await openApp();
    await newChat(page, ends, 'Lily saw a cat');

    await menuAction(page, 'Lily saw a cat', 'Delete');
    await expect.poll(() => entry(page, 'Lily saw a cat').count()).toBe(0);
    const toast = page.getByRole('status').filter({ hasText: 'Deleted “Lily saw a cat”' });
    await toast.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => entry(page, 'Lily saw a cat').count()).toBe(1);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Lily saw a cat');

    await menuAction(page, 'Lily saw a cat', 'Delete');
    await expect.poll(() => entry(page, 'Lily saw a cat').count()).toBe(0);
    await page.reload();
    await expect.poll(() => list(page).getByRole('button').count()).toBeGreaterThan(0);
    expect(await entry(page, 'Lily saw a cat').count()).toBe(0);
    await page.close();
  });
});
