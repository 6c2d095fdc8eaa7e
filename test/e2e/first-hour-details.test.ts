/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { useWebModeSession } from './harness';

// Issue 18, the smaller things a new user hit: layout at 900 px (item 8), the passage viewer
// (item 8), and the Sampling tab before the first message (item 13).
const session = useWebModeSession();

async function openApp(viewport = { width: 1440, height: 900 }): Promise<Page> {
  const page = await session.browser.newPage({ viewport });
  await page.goto(session.web.url);
  await expect.poll(() => page.getByRole('complementary', { name: 'Model' }).textContent(), { timeout: 60_000 }).toMatch(/Architecture/);
  return page;
}

async function overlap(a: Locator, b: Locator): Promise<boolean> {
  const [p, q] = await Promise.all([a.boundingBox(), b.boundingBox()]);
  if (!p || !q) return false;
  return p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height;
}

describe('the first hour, the details, in Chromium', () => {
  // First in the file: the data folder is new, so no conversation exists and none is open.
  it('item 13: sampling can be set before the first message, and a rejected value says which one is in force', async () => {
    const page = await openApp();
    expect(await page.getByRole('navigation', { name: 'Conversations' }).textContent()).toMatch(/No conversations yet/);
    await page.getByRole('tab', { name: 'Sampling' }).click();
    const temperature = page.getByLabel('Temperature', { exact: true });
    expect(await page.getByText('Open or start a conversation').count()).toBe(0);
    await temperature.fill('0.3');
    await temperature.press('Tab');
    await expect.poll(() => page.getByRole('slider', { name: 'Temperature slider' }).inputValue()).toBe('0.3');
    await temperature.fill('-1');
    await temperature.press('Tab');
    const help = page.locator('#sampling-temperature-help');
    await expect.poll(() => help.textContent()).toMatch(/Still in force: 0\.3\./);
    expect(await page.getByRole('slider', { name: 'Temperature slider' }).inputValue()).toBe('0.3');
    await page.close();
  });

  it('item 8: at 900 px a long title gives way; "Show probabilities" covers nothing', async () => {
    const page = await openApp({ width: 900, height: 700 });
    await page.getByRole('button', { name: 'New chat', exact: true }).first().click();
    const message = page.getByRole('textbox', { name: 'Message' });
    await message.fill('Once upon a time there was a very long title that goes on and on across the header');
    await page.getByRole('button', { name: 'Send' }).click();
    const title = page.getByRole('heading', { level: 1 });
    await expect.poll(() => title.textContent(), { timeout: 60_000 }).toMatch(/^Once upon a time there was/);
    const toggle = page.getByRole('button', { name: 'Show probabilities' });
    expect(await overlap(title, toggle)).toBe(false);
    const header = page.locator('main > header');
    const [box, head] = await Promise.all([toggle.boundingBox(), header.boundingBox()]);
    expect(box!.x + box!.width).toBeLessThanOrEqual(head!.x + head!.width);
    await page.close();
  });

  it('item 8: a Markdown passage reads formatted, with its whole table and no scroll of its own', async () => {
    const page = await openApp();
    await page.getByRole('button', { name: 'New chat', exact: true }).first().click();
    const rows = Array.from({ length: 14 }, (_, i) => `| Moon ${i + 1} | ${(i + 1) * 7} km |`).join('\n');
    const text = `# Moons of Zembla\n\nZembla has **fourteen** moons.\n\n| Moon | Size |\n|---|---|\n${rows}\n`;
    await page.getByLabel('Add documents').setInputFiles({ name: 'moons.md', mimeType: 'text/markdown', buffer: Buffer.from(text) });
    const chips = page.getByRole('group', { name: 'Attached documents' });
    await expect.poll(() => chips.getByRole('button', { name: 'Remove moons.md' }).count(), { timeout: 60_000 }).toBe(1);
    await page.getByRole('textbox', { name: 'Message' }).fill('How many moons does Zembla have?');
    await page.getByRole('button', { name: 'Send' }).click();
    const cited = page.locator('main article').last().getByRole('region', { name: 'Sources' }).getByRole('button', { name: /moons\.md/ });
    await expect.poll(() => cited.count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await cited.first().click();
    const passage = page.getByTestId('passage-text');
    await expect.poll(() => passage.count()).toBe(1);
    expect(await passage.locator('strong').textContent()).toBe('fourteen');
    expect(await passage.textContent()).not.toContain('**');
    expect(await passage.locator('table tr').count()).toBe(15);
    expect(await passage.evaluate((el) => el.scrollHeight <= el.clientHeight + 1)).toBe(true);
    await page.close();
  });


  it('item 14: web mode says plainly what to type, why "Change" waits, and does not invite dropping a .gguf', async () => {
    const page = await openApp();
    await page.getByRole('button', { name: 'Models…' }).click();
    const models = page.getByRole('dialog', { name: 'Models' });
    const field = models.getByRole('textbox', { name: 'Model file (.gguf)' });
    expect(await field.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '')).toMatch(
      /Type the file's full path: in web mode the browser does not tell Glassbox where a file/,
    );
    const change = models.getByRole('button', { name: 'Change' });
    expect(await change.isDisabled()).toBe(true);
    expect(await change.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent ?? '')).toMatch(/Type another folder/);
    await models.getByRole('button', { name: 'Close' }).click();

    await page.evaluate(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['x'], 'model.gguf'));
      document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    const overlay = page.locator('.overlay');
    await expect.poll(() => overlay.count()).toBe(1);
    expect(await overlay.textContent()).not.toMatch(/\.gguf file to load/);
    expect(await overlay.textContent()).toMatch(/Drop documents to ask about them/);
    await page.close();
  });

  it('item 9: the tokenizer counts an emoji as one character; the causal mask names no role markers for a model without a template', async () => {
    const page = await openApp();
    await page.getByRole('button', { name: 'New chat', exact: true }).first().click();
    await page.getByRole('textbox', { name: 'Message' }).fill('Once upon a time');
    await page.getByRole('button', { name: 'Send' }).click();
    const panel = page.getByRole('complementary', { name: 'Model' });
    await expect.poll(() => panel.textContent(), { timeout: 60_000 }).toMatch(/Your last message as \d+ tokens/);
    expect(await panel.textContent()).toMatch(/no chat template: the chat gives it the conversation's text as it is, with no role markers/);
    expect(await panel.textContent()).not.toMatch(/the template adds role markers/);
    await panel.getByLabel('Try any text').fill('Hi 👍🏽');
    await expect.poll(() => panel.textContent(), { timeout: 10_000 }).toMatch(/tokens?, 4 characters:/);
    await page.close();
  });
});
