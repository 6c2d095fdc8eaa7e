/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { freePort } from '../fixtures/free-port';
import { useWebModeSession } from './harness';

const session = useWebModeSession();

describe('the local API key in the API tab', () => {
  it('is created, shown once, required by the server, and never sent in a status or an event', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const frames: string[] = [];
    page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => void frames.push(payload.toString())));
    await page.goto(session.web.url);
    await page.getByRole('tab', { name: 'API' }).click();
    const view = page.getByRole('region', { name: 'Local API server' });
    const port = await freePort();
    await view.getByLabel('Port').fill(String(port));
    await view.getByRole('button', { name: 'Create key' }).click();
    const shown = view.getByRole('status').locator('code');
    await expect.poll(() => shown.count()).toBe(1);
    const key = (await shown.textContent()) ?? '';
    expect(key.length).toBeGreaterThanOrEqual(16);
    expect(await view.locator('#api-key').getAttribute('type')).toBe('password');
    expect(await view.locator('#api-key').getAttribute('placeholder')).toBe('set (type to replace)');
    expect(await view.textContent()).toMatch(/Kept in memory only/);

    await view.getByRole('switch', { name: 'Serve the OpenAI-compatible API' }).check();
    await expect.poll(() => view.textContent()).toContain(`http://127.0.0.1:${port}/v1`);
    // Turning it on is another change: the key is not shown again.
    expect(await view.getByRole('status').count()).toBe(0);
    expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(200);

    // Exactly one frame carried the key: the answer to the call that created it.
    const carrying = frames.filter((f) => f.includes(key));
    expect(carrying).toHaveLength(1);
    expect(carrying[0]).toMatch(/^\{"type":"result"/);
    expect(frames.some((f) => f.includes('"name":"apiServer.status"'))).toBe(true);

    await page.reload();
    await page.getByRole('tab', { name: 'API' }).click();
    await expect.poll(() => view.textContent()).toContain(`http://127.0.0.1:${port}/v1`);
    expect(await page.content()).not.toContain(key);
    await view.getByRole('switch', { name: 'Serve the OpenAI-compatible API' }).uncheck();
    await page.close();
  });
});
