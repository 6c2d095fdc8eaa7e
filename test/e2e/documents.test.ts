/// <reference lib="dom" />
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Source } from '../../electron/contract/documents';
import { RRF_K } from '../../electron/documents/retrieval';
import { docxBytes, pdfBytes } from '../fixtures/documents/writers';
import { STORIES_260K } from '../models';
import { seriousAccessibilityViolations } from './accessibility';
import { useWebModeSession } from './harness';

const session = useWebModeSession();

/** The sources of the last chat.send answer seen on the WebSocket. */
function lastSentSources(frames: readonly string[]): Source[] {
  const results = frames
    .map((f) => JSON.parse(f) as { type?: string; value?: { assistantMessage?: { sources?: Source[] | null } } })
    .filter((m) => m.type === 'result' && m.value?.assistantMessage?.sources);
  return results.at(-1)?.value?.assistantMessage?.sources ?? [];
}

describe('document Q&A in Chromium (web mode)', () => {
  it('drops two files, shows progress, answers with Sources, and opens the cited passage', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const frames: string[] = [];
    page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => frames.push(payload.toString())));
    await page.goto(session.web.url);
    const panel = page.getByRole('complementary', { name: 'Model' });
    await expect.poll(() => panel.textContent(), { timeout: 60_000 }).toMatch(/llama/i);

    // Far more than stories260K's context holds, so passages are retrieved rather than the file given whole.
    const pages = Array.from({ length: 120 }, (_, i) => ({
      heading: `Chapter ${i + 1}`,
      paragraphs: [i === 17 ? 'The capital city of Zembla is Onhava, beside the river Nor.' : `Mountains and lakes of region ${i + 1} are described here.`],
    }));
    const files = [
      { name: 'atlas.pdf', base64: Buffer.from(await pdfBytes(pages)).toString('base64') },
      {
        name: 'garden.docx',
        base64: Buffer.from(docxBytes([{ heading: 1, text: 'Garden' }, { text: 'The heron visits the pond at dawn.' }])).toString('base64'),
      },
    ];
    // A drop as the browser makes it: a DataTransfer holding File objects, which have no path in web mode.
    await page.evaluate((list) => {
      const transfer = new DataTransfer();
      for (const file of list) {
        const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], file.name));
      }
      document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, files);

    const chips = page.getByRole('group', { name: 'Attached documents' });
    await expect.poll(() => chips.getByRole('button', { name: /^Remove / }).count(), { timeout: 60_000 }).toBe(2);
    const progress = frames.filter((f) => f.includes('"name":"documents.progress"'));
    expect(progress.some((f) => f.includes('"stage":"reading"') && f.includes('atlas.pdf'))).toBe(true);
    expect(progress.filter((f) => f.includes('"stage":"done"'))).toHaveLength(2);

    await page.getByRole('textbox', { name: 'Message' }).fill('What is the capital of Zembla?');
    await page.getByRole('button', { name: 'Send' }).click();
    const sources = page.locator('main article').last().getByRole('region', { name: 'Sources' });
    const cited = sources.getByRole('button', { name: /atlas\.pdf, page 18/ });
    await expect.poll(() => cited.count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => page.locator('main [aria-busy="true"]').count(), { timeout: 60_000 }).toBe(0);
    // Retrieved by BM25 (no embedding model yet): the right page first, with a BM25 score.
    const [first] = lastSentSources(frames);
    expect(first).toMatchObject({ documentName: 'atlas.pdf', page: 18 });
    expect(first?.score).toBeGreaterThan(2 / (RRF_K + 1));

    // The passage opens in the side panel, beside the answer, with the focus on it; Close gives the focus back.
    await cited.click();
    const passage = page.getByRole('complementary', { name: 'Model' }).getByRole('region', { name: /atlas\.pdf, page 18/ });
    await expect.poll(() => passage.count()).toBe(1);
    expect(await passage.getByTestId('passage-text').textContent()).toContain('Onhava');
    expect(await passage.evaluate((el) => el === document.activeElement)).toBe(true);
    await passage.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => passage.count()).toBe(0);
    expect(await cited.evaluate((el) => el === document.activeElement)).toBe(true);

    // The sources were stored with the answer: they are there after a reload.
    await page.reload();
    await expect
      .poll(() => page.locator('main article').last().getByRole('button', { name: /atlas\.pdf, page 18/ }).count(), { timeout: 60_000 })
      .toBe(1);
    await page.close();
  });

  it('chooses stories260K as the embedding model, indexes the documents with progress, and answers with fused ranking', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const frames: string[] = [];
    page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => frames.push(payload.toString())));
    await page.goto(session.web.url);
    const panel = page.getByRole('complementary', { name: 'Model' });
    await expect.poll(() => panel.textContent(), { timeout: 60_000 }).toMatch(/llama/i);

    // A models folder holding stories260K (the tiny test model: real vectors, but not an embedding model).
    const models = mkdtempSync(join(tmpdir(), 'gb-e2e-models-'));
    copyFileSync(STORIES_260K(), join(models, 'stories260K.gguf'));
    await page.getByRole('button', { name: 'Models…' }).click();
    const view = page.getByRole('dialog', { name: 'Models' });
    await view.getByRole('textbox', { name: 'Models folder' }).fill(models);
    await view.getByRole('button', { name: 'Change' }).click();
    const search = view.getByRole('region', { name: 'Document search' });
    const text = async (region: Locator): Promise<string> => ((await region.textContent()) ?? '').replace(/\s+/g, ' ');
    await expect.poll(() => search.getByRole('option', { name: 'stories260K.gguf' }).count(), { timeout: 30_000 }).toBe(1);
    expect(await text(search)).toMatch(/words alone/);

    // Keyboard only: focus the picker, choose the model, press Use.
    const picker = search.getByRole('combobox', { name: 'Embedding model' });
    await picker.focus();
    await picker.selectOption({ label: 'stories260K.gguf' });
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Use');
    await page.keyboard.press('Enter');
    await expect.poll(() => text(search), { timeout: 60_000 }).toMatch(/stories260K\.gguf: (\d+) of \1 passages have vectors/);
    const statuses = frames.filter((f) => f.includes('"name":"documents.embedding"'));
    expect(statuses.some((f) => f.includes('"indexing":true'))).toBe(true);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // The earlier conversation, asked again: the passages are now ranked by BM25 and vectors together.
    await view.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'What is the capital of Zembla?', exact: true }).click();
    // An answer is an article: the first test's one is there.
    await expect.poll(() => page.locator('main article').count(), { timeout: 30_000 }).toBe(1);
    await page.getByRole('textbox', { name: 'Message' }).fill('Which city is the capital of Zembla?');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.locator('main article').count(), { timeout: 60_000 }).toBe(2);
    const last = page.locator('main article').last();
    await expect.poll(() => last.getByRole('region', { name: 'Sources' }).getByRole('button', { name: /atlas\.pdf, page 18/ }).count(), { timeout: 60_000 }).toBe(1);
    // Fused by reciprocal rank: every score is a sum of at most two 1/(k + rank).
    const sources = lastSentSources(frames);
    expect(sources[0]).toMatchObject({ documentName: 'atlas.pdf', page: 18 });
    for (const source of sources) expect(source.score).toBeLessThanOrEqual(2 / (RRF_K + 1));

    // The choice is remembered; turned off, it is words alone again.
    await page.reload();
    await page.getByRole('button', { name: 'Models…' }).click();
    const again = page.getByRole('dialog', { name: 'Models' }).getByRole('region', { name: 'Document search' });
    await expect.poll(() => text(again), { timeout: 60_000 }).toMatch(/stories260K\.gguf: (\d+) of \1 passages have vectors/);
    await again.getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(() => text(again)).toMatch(/words alone/);
    await page.close();
  });
});
