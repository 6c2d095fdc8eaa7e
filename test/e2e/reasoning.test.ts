import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { QWEN3_ANSWER, writeReasoningModel } from '../fixtures/reasoning-model';
import { seriousAccessibilityViolations } from './accessibility';
import { useWebModeSession } from './harness';

// A reasoning model in Chromium: the scripted Qwen3-template GGUF (test/fixtures/reasoning-model.ts)
// thinks "The user said hello." inside <think>…</think> and answers "Hello!", through the real
// engine, the real QwenChatWrapper and web mode.
const dir = mkdtempSync(join(tmpdir(), 'gb-e2e-reasoning-'));
let model = '';
beforeAll(async () => {
  model = await writeReasoningModel(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const session = useWebModeSession(() => ['--model', model, '--threads', '1']);

const articles = (page: Page) => page.locator('main article');
const thinking = (page: Page) => articles(page).last().locator('details.thinking');

async function ask(page: Page, text: string, answers: number): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect.poll(() => articles(page).count(), { timeout: 60_000 }).toBe(answers);
  await expect.poll(() => page.locator('main [aria-busy="true"]').count(), { timeout: 60_000 }).toBe(0);
}

describe('a reasoning model in Chromium', () => {
  it('shows the thinking as a folded Thinking block above the answer, with its own token probabilities, after a reload too', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(session.web.url);
    const panel = page.getByRole('complementary', { name: 'Model' });
    await expect.poll(() => panel.textContent(), { timeout: 60_000 }).toMatch(/qwen/i);
    await page.getByRole('button', { name: 'New chat' }).click();
    await ask(page, 'hi', 1);

    // The answer alone in the answer; the thought folded above it, with its duration and size.
    const answer = articles(page).last();
    expect(((await answer.locator('.prose').textContent()) ?? '').trim()).toBe(QWEN3_ANSWER);
    const block = thinking(page);
    await expect.poll(() => block.locator('summary').textContent()).toMatch(/^Thought for \d+(\.\d+)? (ms|s) · 6 tokens$/);
    expect(await block.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await block.locator('summary').click();
    expect(((await block.locator('.text').textContent()) ?? '').trim()).toBe('The user said hello.');
    const box = await block.boundingBox();
    const prose = await answer.locator('.prose').boundingBox();
    expect(box && prose && box.y + box.height <= prose.y).toBe(true);

    // Probabilities: the thought's tokens coloured in the block, the answer's in the answer.
    await page.getByRole('button', { name: 'Show probabilities' }).first().click();
    const thoughtTokens = block.locator('[role="group"][aria-label^="The model\'s thinking"] .tok');
    await expect.poll(() => thoughtTokens.count()).toBe(6);
    expect(await answer.locator('[role="group"][aria-label^="Answer coloured"] .tok').count()).toBe(2);
    await thoughtTokens.nth(1).hover();
    await expect.poll(() => page.getByRole('tooltip').textContent()).toMatch(/maybe/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Stored apart: after a reload the block and the answer come back from SQLite as they were.
    await page.reload();
    const entry = page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'hi', exact: true });
    await expect.poll(() => entry.count(), { timeout: 60_000 }).toBe(1);
    await entry.click();
    await expect.poll(() => thinking(page).locator('summary').textContent(), { timeout: 30_000 }).toMatch(/^Thought for .* · 6 tokens$/);
    // (Probabilities are still shown: the answer is its coloured tokens.)
    expect(await articles(page).last().locator('[role="group"][aria-label^="Answer coloured"]').textContent()).toBe(QWEN3_ANSWER);
    await page.getByRole('button', { name: 'Show probabilities' }).first().click(); // off again

    // Per conversation: a budget of 2 tokens closes the next thought early; hiding removes the block.
    await page.getByRole('tab', { name: 'Sampling' }).click();
    await page.getByLabel('Thinking budget').fill('2');
    await page.getByLabel('Thinking budget').press('Tab');
    await page.waitForTimeout(1000);
    await ask(page, 'again', 2);
    await expect.poll(() => thinking(page).locator('summary').textContent()).toMatch(/· 2 tokens$/);
    expect(((await articles(page).last().locator('.prose').textContent()) ?? '').trim()).toBe(QWEN3_ANSWER);
    await page.getByLabel('Show a reasoning model’s thinking').uncheck();
    await expect.poll(() => page.locator('main details.thinking').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
