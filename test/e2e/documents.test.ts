/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { docxBytes, pdfBytes } from '../fixtures/documents/writers';
import { useWebModeSession } from './harness';

const session = useWebModeSession();

describe('document Q&A in Chromium (web mode)', () => {
  it('drops two files, shows progress, answers with Sources, and opens the cited passage', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const frames: string[] = [];
    page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => frames.push(payload.toString())));
    await page.goto(session.web.url);
    const panel = page.getByRole('complementary', { name: 'Model' });
    await expect.poll(() => panel.textContent(), { timeout: 60_000 }).toMatch(/llama/i);

    const pages = Array.from({ length: 40 }, (_, i) => ({
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

    await cited.click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.getByRole('heading').textContent()).toMatch(/atlas\.pdf, page 18/);
    expect(await dialog.getByTestId('passage-text').textContent()).toContain('Onhava');
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The sources were stored with the answer: they are there after a reload.
    await page.reload();
    await expect
      .poll(() => page.locator('main article').last().getByRole('button', { name: /atlas\.pdf, page 18/ }).count(), { timeout: 60_000 })
      .toBe(1);
    await page.close();
  });
});
