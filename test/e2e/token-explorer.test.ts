/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { GeneratedToken } from '../../electron/contract/token';
import type { TokenDistribution } from '../../electron/contract/token-distribution';
import { formatPercent } from '../../renderer/src/lib/format';
import { useWebModeSession } from './harness';
import { seriousAccessibilityViolations } from './accessibility';

const session = useWebModeSession();

/** Turns the colouring on; it is remembered across reloads, so a second click would turn it off. */
async function showProbabilities(page: Page): Promise<void> {
  const toggle = page.getByRole('button', { name: 'Show probabilities' }).first();
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
}

/**
 * What the Token panel should show for a streamed token, computed here from the raw event and not
 * with the renderer's own helpers: the listed alternatives plus the chosen token when it ranked
 * outside them, and their Shannon entropy after renormalising, log2(Z) - Σ p·log2(p) / Z.
 */
function expectedDistribution(token: GeneratedToken): { count: number; entropy: string } {
  const byId = new Map<number, number>();
  for (const alternative of token.top) byId.set(alternative.id, alternative.p);
  if (!byId.has(token.id)) byId.set(token.id, token.p);
  const ps = [...byId.values()].filter((p) => p > 0);
  const z = ps.reduce((sum, p) => sum + p, 0);
  const bits = Math.log2(z) - ps.reduce((sum, p) => sum + p * Math.log2(p), 0) / z;
  return { count: byId.size, entropy: `${Math.max(0, bits).toFixed(2)} bits` };
}

interface Streamed {
  /** Tokens streamed per message id, by index. */
  tokens: Map<string, GeneratedToken[]>;
  ended: Set<string>;
  errors: string[];
  /** chat.tokenDistribution answers by `messageId:index`, as the server sent them. */
  exact: Map<string, TokenDistribution>;
}

/** Records the token and end events the page receives, as the server sent (and stored) them. */
function watch(page: Page): Streamed {
  const seen: Streamed = { tokens: new Map(), ended: new Set(), errors: [], exact: new Map() };
  const asked = new Map<number, string>();
  page.on('pageerror', (error) => seen.errors.push(error.message));
  page.on('websocket', (socket) => {
    socket.on('framesent', ({ payload }) => {
      const frame = JSON.parse(payload.toString()) as { type?: string; id?: number; name?: string; args?: { messageId: string; index: number } };
      if (frame.type === 'call' && frame.name === 'chat.tokenDistribution' && frame.args && frame.id !== undefined) asked.set(frame.id, `${frame.args.messageId}:${frame.args.index}`);
    });
    socket.on('framereceived', ({ payload }) => {
      const frame = JSON.parse(payload.toString()) as { type?: string; id?: number; ok?: boolean; value?: unknown; name?: string; payload?: unknown };
      const key = frame.type === 'result' && frame.id !== undefined ? asked.get(frame.id) : undefined;
      if (key !== undefined && frame.ok === true) seen.exact.set(key, frame.value as TokenDistribution);
      if (frame.type !== 'event') return;
      if (frame.name === 'chat.tokens') {
        const event = frame.payload as { messageId: string; first: number; tokens: GeneratedToken[] };
        const list = seen.tokens.get(event.messageId) ?? [];
        event.tokens.forEach((token, i) => (list[event.first + i] = token));
        seen.tokens.set(event.messageId, list);
      }
      if (frame.name === 'chat.end') seen.ended.add((frame.payload as { messageId: string }).messageId);
    });
  });
  return seen;
}

const answerTokens = (page: Page) => page.locator('main [role="group"][aria-label^="Answer coloured"] .tok');

describe('token probability explorer', () => {
  it('shows, pins and branches from a token, and shows the stored numbers again after a reload', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const seen = watch(page);
    await page.goto(session.web.url);
    const panel = page.getByRole('complementary', { name: 'Model' });
    await expect.poll(() => panel.textContent(), { timeout: 60_000 }).toMatch(/llama/i);
    await page.getByRole('button', { name: 'New chat' }).click();

    // Greedy sampling, a short answer: set in the Sampling tab (saved with the conversation).
    await page.getByRole('tab', { name: 'Sampling' }).click();
    await page.getByLabel('Temperature', { exact: true }).fill('0');
    await page.getByLabel('Max tokens', { exact: true }).fill('40');
    await page.getByLabel('Max tokens', { exact: true }).press('Tab');
    await page.waitForTimeout(1000);

    await page.getByRole('textbox', { name: 'Message' }).fill('Once upon a time');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => seen.ended.size, { timeout: 60_000 }).toBe(1);
    const firstId = [...seen.ended][0]!;
    const first = seen.tokens.get(firstId) ?? [];
    expect(first.length).toBeGreaterThan(5);

    // Colouring on; hovering a token shows a popover with its alternatives.
    await showProbabilities(page);
    await expect.poll(() => answerTokens(page).count()).toBe(first.length);
    const index = 2;
    await answerTokens(page).nth(index).hover();
    const popover = page.getByRole('tooltip');
    await expect.poll(() => popover.isVisible()).toBe(true);
    expect(await popover.textContent()).toContain(formatPercent(first[index]!.p));
    expect(await popover.locator('li').count()).toBeGreaterThan(1);
    expect(await popover.locator('li.chosen').count()).toBe(1);

    // Clicking pins it: the Token tab shows the bar chart, the entropy and the numbers streamed.
    await answerTokens(page).nth(index).click();
    await expect.poll(() => page.getByRole('tab', { name: 'Token' }).getAttribute('aria-selected')).toBe('true');
    const view = page.locator('#panel-view-token');
    const expected = expectedDistribution(first[index]!);
    await expect.poll(() => view.locator('figure li').count()).toBe(expected.count);
    // Then the exact numbers replace the streamed shares: the whole-vocabulary softmax asked of the engine.
    await expect.poll(() => view.getByTestId('listed-mass').count(), { timeout: 30_000 }).toBe(1);
    const exact = seen.exact.get(`${firstId}:${index}`)!;
    expect(exact.token.id).toBe(first[index]!.id);
    expect(exact.token.p).toBeLessThanOrEqual(first[index]!.p + 1e-9);
    expect(await view.locator('.chosen .pct').textContent()).toBe(formatPercent(exact.token.p));
    expect(await view.getByTestId('entropy').textContent()).toBe(`${exact.entropyBits.toFixed(2)} bits`);
    expect(await view.getByTestId('probability-meaning').textContent()).toMatch(/^\s*Exact: the softmax over the whole vocabulary/);
    expect(await view.getByTestId('listed-mass').textContent()).toBe(
      `The ${exact.top.length} listed hold ${formatPercent(exact.listedMass)} of the probability; the other ${(exact.vocabularySize - exact.top.length).toLocaleString('en-US')} tokens share ${formatPercent(1 - exact.listedMass)}.`,
    );
    expect(await view.locator('.muted.small').first().textContent()).toContain(`of the ${exact.vocabularySize} tokens`);
    expect(await view.locator('svg[role="slider"]').getAttribute('aria-valuenow')).toBe(String(index + 1));

    // The prompt view: the user's tokens coloured, with perplexity.
    await page.getByRole('button', { name: 'Prompt probabilities' }).click();
    await expect.poll(() => page.getByRole('main').textContent(), { timeout: 30_000 }).toMatch(/Perplexity \d/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Hide prompt probabilities' }).click();

    // Branch: continue with the most probable alternative that was not chosen.
    const chosen = first[index]!;
    const alternative = [...chosen.top].sort((a, b) => b.p - a.p).find((a) => a.id !== chosen.id)!;
    const expectedStart = first
      .slice(0, index)
      .map((t) => t.text)
      .join('')
      .concat(alternative.text);
    await view.getByRole('button', { name: `Continue with ${JSON.stringify(alternative.text)}` }).click();
    await expect.poll(() => seen.ended.size, { timeout: 60_000 }).toBe(2);
    const branchId = [...seen.ended].find((id) => id !== firstId)!;
    await expect.poll(() => page.getByRole('main').textContent()).toContain('2 / 2');
    await expect
      .poll(() => page.locator('main [role="group"][aria-label^="Answer coloured"]').last().textContent())
      .toMatch(new RegExp(`^${expectedStart.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    // After a reload the same numbers come from the stored message.
    const branch = seen.tokens.get(branchId) ?? [];
    const later = branch.findIndex((t, i) => i > index && t !== undefined);
    expect(later).toBeGreaterThan(index);
    await page.reload();
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Once upon a time' }).first().click();
    await showProbabilities(page);
    await expect.poll(() => answerTokens(page).count()).toBeGreaterThan(later);
    await expect.poll(() => answerTokens(page).first().textContent()).toBe(first[0]!.text);
    await answerTokens(page).nth(later).click();
    const stored = branch[later]!;
    // The reloaded page asks for the stored answer's exact numbers again; the streamed share shows meanwhile.
    await expect.poll(() => seen.exact.has(`${branchId}:${later}`), { timeout: 30_000 }).toBe(true);
    const exactLater = seen.exact.get(`${branchId}:${later}`)!;
    expect(exactLater.token.id).toBe(stored.id);
    await expect.poll(() => page.locator('#panel-view-token .chosen .pct').textContent()).toBe(formatPercent(exactLater.token.p));
    expect(await page.locator('#panel-view-token').getByTestId('entropy').textContent()).toBe(`${exactLater.entropyBits.toFixed(2)} bits`);
    expect(await page.locator('#panel-view-token .where').textContent()).toBe(
      `Answer 1, token ${later + 1} of ${branch.length}`,
    );
    expect(seen.errors).toEqual([]);
    await page.close();
  });
});
