/**
 * The child of store-crash.test.ts: streams answers into the store as fast as it can, as the app
 * does, and reports every write that returned on stdout (one JSON line, written synchronously
 * before the next write starts), until it is killed.
 *
 * Run bundled (Node 20 cannot run TypeScript): the test builds it with rolldown.
 *   node store-crash-writer.cjs <database> <seed>
 */
import { writeSync } from 'node:fs';
import type { Message } from '../../../electron/contract/conversation';
import type { GeneratedToken } from '../../../electron/contract/token';
import { wellFormed } from '../../../electron/store/codec';
import { openStore } from '../../../electron/store/sqlite-store';
import { digest, messageDigest } from './crash-digest';
import { createRng } from '../../../electron/engine/sampler';

const [path, seedText] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: store-crash-writer <database> <seed>');

const random = createRng(Number(seedText ?? 1) >>> 0 || 1);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const WORDS = ['the', 'onion', 'caramel', 'привет', '猫', '喜欢', '🙂', '👨‍👩‍👧', 'naïve', 'foo_bar(x)->baz', '"quoted"', '\ud83d', 'e\u0301'];

function report(line: object): void {
  const bytes = Buffer.from(`${JSON.stringify(line)}\n`);
  for (let written = 0; written < bytes.length; ) {
    try {
      written += writeSync(1, bytes, written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

function final(message: Message): void {
  report({ op: 'final', id: message.id, conversationId: message.conversationId, digest: messageDigest(message) });
}

const store = openStore(path);
report({ op: 'ready' });

for (let round = 0; ; round++) {
  const conversation = store.createConversation(`${pick(WORDS)} ${round}`);
  let parent: string | null = null;
  const turns = 1 + Math.floor(random() * 4);
  for (let turn = 0; turn < turns; turn++) {
    const question = store.appendMessage({
      conversationId: conversation.id,
      parentId: parent,
      role: 'user',
      content: Array.from({ length: 1 + Math.floor(random() * 8) }, () => pick(WORDS)).join(' '),
      status: 'complete',
    });
    final(question);
    const answer = store.appendMessage({
      conversationId: conversation.id,
      parentId: question.id,
      role: 'assistant',
      content: '',
      status: 'streaming',
      model: { fileName: 'crash.gguf', path: '/m/crash.gguf', architecture: 'llama', fileSizeBytes: 1 },
    });
    report({ op: 'progress', id: answer.id, contentLength: 0, content: digest(''), tokenCount: 0, tokens: digest([]) });

    const tokens: GeneratedToken[] = [];
    let content = '';
    const length = 1 + Math.floor(random() * 60);
    for (let i = 0; i < length; i++) {
      const text = i === 0 ? pick(WORDS) : ` ${pick(WORDS)}`;
      const p = random();
      tokens.push({ id: i, text, p, top: [{ id: i, text, p }, { id: i + 1000, text: pick(WORDS), p: p * random() }] });
      content += text;
      if (random() < 0.4) {
        store.saveProgress(answer.id, content, tokens);
        report({
          op: 'progress',
          id: answer.id,
          // What a read gives back: lone surrogates become U+FFFD (see codec.ts wellFormed).
          contentLength: wellFormed(content).length,
          content: digest(wellFormed(content)),
          tokenCount: tokens.length,
          tokens: digest(tokens),
        });
      }
    }
    const finished = store.finishMessage(answer.id, {
      content,
      tokens,
      status: random() < 0.8 ? 'complete' : 'stopped',
      stats: { tokens: length, promptTokens: 10, evaluatedPromptTokens: 3, ttftMs: random() * 50, tokensPerSecond: 10 + random(), totalMs: 100 },
      error: null,
    });
    final(finished);
    parent = answer.id;
  }
}
