/// <reference lib="dom" />
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DATABASE_FILE } from '../../electron/services/services';
import { openStore } from '../../electron/store/sqlite-store';
import { launchChromium, startWebMode, type WebMode } from './harness';

// Issue 18 item 2: "Import…" could not read what "Export all" writes ("This file is not JSON" for
// the zip). A full export must restore, and importing the same file twice must not duplicate.

const TITLES = ['Onions, slowly', 'Второй разговор 💬'];
let browser: Browser;
const started: WebMode[] = [];

/** A data folder holding two conversations with an answer each. */
function seeded(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'gb-e2e-export-'));
  const store = openStore(join(dataDir, DATABASE_FILE));
  for (const title of TITLES) {
    const c = store.createConversation(title);
    const q = store.appendMessage({ conversationId: c.id, parentId: null, role: 'user', content: `A question in “${title}”`, status: 'complete' });
    const a = store.appendMessage({ conversationId: c.id, parentId: q.id, role: 'assistant', content: '', status: 'streaming' });
    store.finishMessage(a.id, { content: `An answer in “${title}”`, tokens: null, status: 'complete', stats: null, error: null });
  }
  store.close();
  return dataDir;
}

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
  for (const web of started) await web.stop();
});

async function open(dataDir?: string): Promise<Page> {
  const web = await startWebMode([], dataDir);
  started.push(web);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  await page.goto(web.url);
  await page.getByRole('button', { name: 'New chat' }).waitFor();
  return page;
}

const titles = (page: Page): Promise<string[]> =>
  page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /^(Onions|Второй)/ }).allTextContents();

/** Imports the file through the hidden input behind "Import…", then waits for a notice saying `expected`. */
async function importFile(page: Page, path: string, expected: string): Promise<void> {
  const notices = page.getByRole('status').filter({ hasText: expected });
  const before = await notices.count();
  await page.getByLabel('Conversation file to import').setInputFiles(path);
  await expect.poll(() => notices.count()).toBeGreaterThan(before);
}

describe('Export all, then Import…, in Chromium', () => {
  it('restores a full export into an empty app, and does not add it twice', async () => {
    const source = await open(seeded());
    await expect.poll(() => titles(source).then((t) => t.length)).toBe(2);
    const download = source.waitForEvent('download');
    await source.getByRole('button', { name: 'Export all' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^glassbox-export-\d{4}-\d{2}-\d{2}\.zip$/);
    const archive = join(mkdtempSync(join(tmpdir(), 'gb-e2e-zip-')), file.suggestedFilename());
    await file.saveAs(archive);

    // Back into the app it came from: both are already there.
    await importFile(source, archive, '2 conversations were already here and were not added again.');
    expect(await titles(source)).toHaveLength(2);

    // Into an empty app: everything comes back, once.
    const target = await open();
    await importFile(target, archive, 'Imported 2 conversations.');
    await expect.poll(() => titles(target).then((t) => t.map((x) => x.trim()).sort())).toEqual([...TITLES].sort());
    await target.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: TITLES[1] ?? '', exact: true }).click();
    await expect.poll(() => target.getByRole('main').textContent()).toContain(`An answer in “${TITLES[1]}”`);
    await importFile(target, archive, '2 conversations were already here');
    expect(await titles(target)).toHaveLength(2);
  });
});
