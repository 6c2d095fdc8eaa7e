/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { seriousAccessibilityViolations } from './accessibility';
import { useWebModeSession } from './harness';

const session = useWebModeSession();

/** Counts the token batches and tokens the page receives over its WebSocket, and collects CSP complaints. */
function watch(page: Page): { tokenFrames: () => number; tokens: () => number; ended: () => boolean; cspErrors: string[] } {
  let frames = 0;
  let tokens = 0;
  let end = false;
  const cspErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspErrors.push(message.text());
  });
  page.on('websocket', (socket) => {
    socket.on('framereceived', ({ payload }) => {
      const frame = JSON.parse(payload.toString()) as { name?: string; payload?: { tokens?: unknown[] } };
      if (frame.name === 'chat.tokens') {
        frames += 1;
        tokens += frame.payload?.tokens?.length ?? 0;
      }
      if (frame.name === 'chat.end') end = true;
    });
  });
  return { tokenFrames: () => frames, tokens: () => tokens, ended: () => end, cspErrors };
}

describe('web mode in Chromium', () => {
  it('streams an answer with probabilities, and keeps it across a reload', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const seen = watch(page);
    await page.goto(session.web.url);

    const panel = page.getByRole('complementary', { name: 'Model' });
    await expect.poll(() => panel.textContent(), { timeout: 60_000 }).toMatch(/llama/i);

    await page.getByRole('button', { name: 'New chat' }).click();
    const message = page.getByRole('textbox', { name: 'Message' });
    await message.fill('Once upon a time');

    // Count how often the conversation's DOM changes while the answer arrives.
    await page.evaluate(() => {
      const w = window as unknown as { __mutations: number };
      w.__mutations = 0;
      new MutationObserver(() => (w.__mutations += 1)).observe(document.querySelector('main')!, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => seen.ended(), { timeout: 60_000 }).toBe(true);

    const streamed = seen.tokens();
    expect(seen.tokenFrames()).toBeGreaterThan(1);
    expect(seen.tokenFrames()).toBeLessThanOrEqual(streamed);
    const mutations = await page.evaluate(() => (window as unknown as { __mutations: number }).__mutations);
    expect(mutations).toBeGreaterThan(2);

    const conversations = page.getByRole('navigation', { name: 'Conversations' });
    await expect.poll(() => conversations.getByRole('button', { name: 'Once upon a time' }).count()).toBeGreaterThan(0);
    const answerBefore = await page.getByRole('main').textContent();

    await page.reload();
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Once upon a time' }).first().click();
    await expect.poll(() => page.getByRole('main').textContent()).toContain('Once upon a time');

    await page.getByRole('button', { name: 'Show probabilities' }).first().click();
    const tokens = page.locator('main [role="group"] span[aria-label]');
    await expect.poll(() => tokens.count()).toBe(streamed);
    const firstLabel = (await tokens.first().getAttribute('aria-label')) ?? '';
    expect(firstLabel).toMatch(/\d+(\.\d+)?% — alternatives: /);
    expect(answerBefore?.length ?? 0).toBeGreaterThan(20);

    expect(seen.cspErrors).toEqual([]);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.close();
  });
});
