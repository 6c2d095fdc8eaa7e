import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SMOLLM2_135M } from '../../models';
import { conversationWith, send, TEMPLATE_MARKUP, useRealModel } from './session';

// A fact that exists only in a dropped Markdown file, asked of SmolLM2-135M-Instruct. (Gemma 3 270M,
// the base model without a chat template, continues the document instead of answering: see the
// closing note's transcript.) SmolLM2 states the fact but does not write "[1]" itself at this size;
// the citation's Sources entry is checked in the browser (test/e2e/real-chat.test.ts).
const session = useRealModel(SMOLLM2_135M);

describe('document Q&A on SmolLM2', () => {
  it('answers with a fact found only in the attached file, and keeps the passage as source [1]', async () => {
    const { client } = session;
    const dir = mkdtempSync(join(tmpdir(), 'gb-real-docs-'));
    const path = join(dir, 'zembla.md');
    writeFileSync(
      path,
      '# Zembla\n\nZembla is a small northern kingdom.\n\n## Capital\n\nThe capital city of Zembla is Onhava, on the river Vlada.\n\n## Climate\n\nWinters in Zembla are long and snowy.\n',
    );
    const id = await conversationWith(client, 'You are a helpful assistant.', { temperature: 0, maxTokens: 80 });
    const unaided = await send(client, await conversationWith(client, 'You are a helpful assistant.', { temperature: 0, maxTokens: 80 }), 'What is the capital city of Zembla?');
    await client.call('documents.addPath', { path, jobId: 'zembla', conversationId: id });
    const { started, end } = await send(client, id, 'What is the capital city of Zembla?');
    console.log(`--- SmolLM2, document Q&A ---\nwithout the file: ${unaided.end.content}\nwith it: ${end.content}`);

    // The fact is not something the model knows by itself.
    expect(unaided.end.content).not.toContain('Onhava');
    expect(end.stats?.finishReason).toBe('eog');
    expect(end.content).toContain('Onhava');
    expect(end.content).not.toMatch(TEMPLATE_MARKUP);
    const sources = started.assistantMessage.sources ?? [];
    expect(sources.map((s) => ({ n: s.n, documentName: s.documentName }))).toEqual([{ n: 1, documentName: 'zembla.md' }]);
    expect(sources[0]?.text).toContain('The capital city of Zembla is Onhava');
    // The document was in the prompt: the answer's prompt is far longer than the question alone.
    expect(end.stats?.promptTokens ?? 0).toBeGreaterThan((unaided.end.stats?.promptTokens ?? 0) + 40);
    const saved = await client.call('conversations.get', { id });
    expect(saved.messages.at(-1)?.sources).toEqual(sources);
  });
});
