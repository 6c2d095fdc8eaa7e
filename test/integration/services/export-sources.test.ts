import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STORIES_260K } from '../../models';
import { answerOf, useRealModel } from '../real-models/session';

// Issue 18, item 11: an answer's sources and citations travel with its exports (Markdown and JSON).

const session = useRealModel(STORIES_260K);

describe('exports keep the sources of answers', () => {
  it('lists the cited passages under the answer in Markdown, and as sources in JSON', async () => {
    const { client, dataDir } = session;
    const { id } = await client.call('conversations.create', {});
    const file = join(dataDir, 'zembla.txt');
    writeFileSync(file, 'The capital city of Zembla is Onhava, beside the river Nor.\n');
    await client.call('documents.addPath', { path: file, jobId: 'z', conversationId: id });
    const { end } = await answerOf(client, id, () =>
      client.call('chat.send', { conversationId: id, text: 'What is the capital of Zembla?', sampling: { temperature: 0, maxTokens: 8 } }),
    );
    expect(end.status).toBe('complete');
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
