import { expect, it } from 'vitest';
import { GEMMA3_270M } from '../../models';
import { chatSuite } from './chat-suite';

// This file is google/gemma-3-270m, the base model (not -it), and its GGUF carries no
// tokenizer.chat_template: Glassbox shows it as plain text continuation, where nothing ends a turn.
// The tests keep what is meaningful for it: the token limit ends each answer, no markup is saved,
// the KV cache is reused exactly, system prompts and branches change the text, scoring works.
chatSuite('Gemma 3 270M (base)', {
  model: GEMMA3_270M,
  system: 'Questions and answers about geography.',
  otherSystem: 'A list of French words:',
  systemQuestion: 'The capital of France is',
  turns: ['The capital of France is', 'The capital of Germany is', 'The larger of the two cities is'],
  ends: 'max-tokens',
  maxTokens: 24,
});

it('is read as a model without a chat template', async () => {
  const { readGgufFileInfo } = await import('node-llama-cpp');
  const info = await readGgufFileInfo(GEMMA3_270M(), { readTensorInfo: false });
  expect(info.metadata.general.architecture).toBe('gemma3');
  expect(info.metadata.tokenizer.chat_template).toBeUndefined();
});
