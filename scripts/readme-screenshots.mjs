#!/usr/bin/env node
// The README's screenshots (resources/screenshot-*.png), taken in Chromium against web mode with
// SmolLM2-135M-Instruct from the test-model cache (scripts/test-models.mjs), greedy, so the
// answers are the same every time. Needs a build (`npm run build`) and a Chromium
// (scripts/test-chromium.mjs finds one). Usage: node scripts/readme-screenshots.mjs [OUT_DIR]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? join(root, 'resources');
const cache = process.env.GLASSBOX_TEST_MODEL_CACHE ?? join(homedir(), '.cache', 'glassbox', 'test-models');
const model = join(cache, 'SmolLM2-135M-Instruct.Q4_1.gguf');
const recorded = join(root, 'node_modules', '.cache', 'glassbox', 'chromium-path');
const browserPath = process.env.GLASSBOX_CHROMIUM ?? (existsSync(recorded) ? readFileSync(recorded, 'utf8').trim() : '/usr/bin/chromium');

async function startWeb() {
  const dataDir = mkdtempSync(join(tmpdir(), 'gb-shots-'));
  const child = spawn(process.execPath, [join(root, 'bin', 'glassbox.mjs'), 'web', '--model', model, '--data-dir', dataDir, '--port', '0', '--threads', '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [url] = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve([line.trim()]));
    child.once('exit', (code) => reject(new Error(`web mode exited with ${code}`)));
  });
  return { url, child };
}

async function idle(page) {
  for (let i = 0; i < 600; i++) {
    if ((await page.locator('main [aria-busy="true"]').count()) === 0) return;
    await page.waitForTimeout(100);
  }
  throw new Error('the answer did not finish in 60 s');
}

async function ask(page, text) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForTimeout(300);
  await idle(page);
}

async function newChat(page, { system, temperature = '0' } = {}) {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.getByRole('tab', { name: 'Sampling' }).click();
  await page.getByLabel('Temperature', { exact: true }).fill(temperature);
  await page.getByLabel('Temperature', { exact: true }).press('Tab');
  if (system) {
    await page.getByText('System prompt', { exact: true }).first().click();
    const box = page.getByRole('textbox', { name: 'System prompt' });
    await box.fill(system);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForTimeout(300);
    await page.getByText('System prompt', { exact: true }).first().click();
  }
  await page.waitForTimeout(500);
}

const { url, child } = await startWeb();
const browser = await chromium.launch({ executablePath: browserPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await page.getByRole('complementary', { name: 'Model' }).getByText('SmolLM2', { exact: false }).first().waitFor({ timeout: 60_000 });

  // A few conversations for the list.
  for (const q of ['Name the three primary colours.', 'Give me three tips for sleeping well.', 'What is a black hole?']) {
    await newChat(page);
    await ask(page, q);
  }

  // The main chat: a system prompt, three turns, probabilities shown, a token hovered.
  await newChat(page, { system: 'You are a helpful assistant. Answer in one short sentence.' });
  await ask(page, 'What is the capital of France?');
  await ask(page, 'And what is the capital of Germany?');
  await ask(page, 'Which of the two cities is larger?');
  await page.getByRole('tab', { name: 'Model' }).first().click();
  await page.getByRole('button', { name: 'Show probabilities' }).first().click();
  const tokens = page.locator('main article').last().locator('.tok');
  await tokens.nth(3).hover();
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(out, 'screenshot-chat.png') });

  // The token explorer: a token of the last answer pinned in the Token panel.
  const last = page.locator('main article').last().locator('.tok');
  await last.nth(9).click();
  await page.mouse.move(5, 795);
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(out, 'screenshot-explorer.png') });

  // The architecture: the Model tab scrolled to the module tree and one decoder layer.
  await page.getByRole('button', { name: 'Show probabilities' }).first().click();
  await page.getByRole('tab', { name: 'Model' }).first().click();
  const layer = page.getByText('One decoder layer', { exact: true }).first();
  await layer.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'screenshot-architecture.png') });

  // The conversation list (one pinned), with a regenerated answer (‹ 2/2 ›) open.
  const list = page.getByRole('navigation', { name: 'Conversations' });
  await list.getByRole('button', { name: 'More actions for “Name the three primary colours.”' }).click();
  await page.getByRole('menu').getByRole('menuitem', { name: 'Pin' }).click();
  await page.waitForTimeout(300);
  await list.getByRole('button', { name: 'What is a black hole?', exact: true }).click();
  await page.waitForTimeout(500);
  await page.getByRole('button', { name: 'Regenerate' }).last().click();
  await page.waitForTimeout(300);
  await idle(page);
  await page.mouse.move(5, 795);
  await page.screenshot({ path: join(out, 'screenshot-conversations.png') });
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  child.kill('SIGTERM');
}
