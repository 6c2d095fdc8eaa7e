/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { seriousAccessibilityViolations } from './accessibility';
import { useWebModeSession } from './harness';
import { SMOLLM2_135M } from '../models';

// SmolLM2-135M: a trained model, so the lens has something to show (GLASSBOX_TRACE_SCREENSHOT=PATH saves the README's picture).
const session = useWebModeSession(() => ['--model', SMOLLM2_135M()]);

describe('Trace panel in Chromium (SmolLM2-135M)', () => {
  it('traces the last prompt; a layer, a head and a token show its attended tokens and its logit-lens column', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(session.web.url);
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('textbox', { name: 'Message' }).fill('The capital of France is');
    await page.getByRole('button', { name: 'Send' }).click();
    // The trace runs in its own process, chat or no chat; stop the answer to keep the two cores for it.
    const stop = page.getByRole('button', { name: 'Stop' });
    if (await stop.isVisible().catch(() => false)) await stop.click().catch(() => undefined);

    await page.getByRole('tab', { name: 'Trace' }).click();
    const panel = page.getByRole('region', { name: 'Inside the forward pass' });
    const text = panel.getByRole('textbox', { name: /Text to trace/ });
    await expect.poll(() => text.inputValue(), { timeout: 60_000 }).toBe('The capital of France is');
    await panel.getByRole('button', { name: 'Trace', exact: true }).click();
    const tokens = panel.getByRole('group', { name: 'Traced tokens: pick one' });
    await expect.poll(() => tokens.count(), { timeout: 120_000 }).toBe(1);
    expect(await panel.textContent()).toMatch(/through 30 layers of llama: 9 query heads\s+share 3 key\/value heads/);

    await panel.getByRole('combobox', { name: 'Layer' }).selectOption('12');
    const heads = panel.getByRole('group', { name: /Attention heads of layer 12/ });
    await expect.poll(() => heads.count()).toBe(1);
    expect(await heads.getByRole('group').count()).toBe(3);
    await heads.getByRole('button', { name: '4', exact: true }).click();
    await expect.poll(() => panel.getByTestId('head-stats').textContent()).toMatch(/^\s*Head 4: entropy \d/);
    expect(await panel.getByRole('img', { name: /Attention of layer 12, head 4/ }).count() + (await panel.locator('canvas[aria-label^="Attention of layer 12, head 4"]').count())).toBeGreaterThan(0);

    await tokens.getByRole('button', { name: '·France' }).click();
    const position = await tokens.getByRole('button', { name: '·France' }).getAttribute('title');
    const index = Number(/Position (\d+)/.exec(position ?? '')?.[1]);
    const attended = panel.getByRole('table', { name: `Tokens that position ${index} attends to most, per layer` });
    expect(await attended.locator('tbody tr').count()).toBe(30);
    expect(await attended.locator('tbody tr').first().textContent()).toMatch(/%/);
    const lens = panel.getByRole('table', { name: `Logit lens at position ${index}` });
    expect(await lens.locator('tbody tr').count()).toBe(30);
    expect(await lens.locator('caption').textContent()).toContain('After ·France the model predicts');

    const screenshot = process.env.GLASSBOX_TRACE_SCREENSHOT;
    if (screenshot) {
      // Tall enough for the heatmap and the lens table together (the panel scrolls on its own).
      await page.setViewportSize({ width: 1400, height: 2300 });
      const box = await panel.boundingBox();
      if (box) await page.screenshot({ path: screenshot, clip: { x: box.x - 8, y: 0, width: box.width + 16, height: 2300 } });
    }
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
