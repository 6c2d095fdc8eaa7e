import { SMOLLM2_135M } from '../../models';
import { chatSuite } from './chat-suite';

chatSuite('SmolLM2-135M-Instruct', {
  model: SMOLLM2_135M,
  system: 'You are a helpful assistant. Answer in one short sentence.',
  otherSystem: 'Reply only in French.',
  systemQuestion: 'What is 2 + 2?',
  turns: ['What is the capital of France?', 'And what is the capital of Germany?', 'Which of the two cities is larger?'],
  ends: 'eog',
  maxTokens: 160,
});
