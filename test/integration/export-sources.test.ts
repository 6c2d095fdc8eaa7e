import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../electron/app/services';
import type { EventPayload } from '../../electron/contract/api';
import { createInMemoryClient, type PortClient } from '../../electron/contract/rpc';
import { EngineHost } from '../../electron/engine/host';
import { createNodeLauncher } from '../../electron/engine/node-launcher';
import { STORIES_260K } from '../models';

// Issue 18, item 11: an answer's sources and citations travel with its exports (Markdown and JSON).

let services: Services;
let client: PortClient & { close(): void };
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gb-export-src-'));
  services = createServices({ dataDir, mode: 'web', version: 'test', engine: new EngineHost(createNodeLauncher()) });
  client = createInMemoryClient(services.router, services.hub);
  await client.call('model.load', { path: STORIES_260K() });
});

afterAll(async () => {
  client.close();
  await services.dispose();
});

describe('exports keep the sources of answers', () => {
  it('lists the cited passages under the answer in Markdown, and as sources in JSON', async () => {
    const { id } = await client.call('conversations.create', {});
    const file = join(dataDir, 'zembla.txt');
    writeFileSync(file, 'The capital city of Zembla is Onhava, beside the river Nor.\n');
    await client.call('documents.addPath', { path: file, jobId: 'z', conversationId: id });
    const ended = new Promise<EventPayload<'chat.end'>>((resolve) => {
      const off = client.on('chat.end', (e) => {
        if (e.conversationId === id) {
          off();
          resolve(e);
        }
      });
    });
    await client.call('chat.send', { conversationId: id, text: 'What is the capital of Zembla?', sampling: { temperature: 0, maxTokens: 8 } });
    expect((await ended).status).toBe('complete');
    const shown = await client.call('conversations.get', { id });
    expect(shown.messages.at(-1)?.sources?.[0]?.documentName).toBe('zembla.txt');

    const markdown = (await client.call('conversations.export', { id, format: 'markdown' })).content;
    expect(markdown).toContain('**Sources**');
    expect(markdown).toMatch(/1\. \[1\] zembla\.txt/);
    expect(markdown).toContain('> The capital city of Zembla is Onhava');

    const json = JSON.parse((await client.call('conversations.export', { id, format: 'json' })).content) as {
      messages: { role: string; sources?: { n: number; documentName: string; text: string }[] }[];
    };
    const answer = json.messages.find((m) => m.role === 'assistant');
    expect(answer?.sources?.[0]).toMatchObject({ n: 1, documentName: 'zembla.txt' });
    expect(answer?.sources?.[0]?.text).toContain('Onhava');
  });
});
