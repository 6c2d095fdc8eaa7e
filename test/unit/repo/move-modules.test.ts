import { describe, expect, it } from 'vitest';
import { expandMoves, rewriteImports } from '../../../scripts/move-modules.mjs';

const TREE = ['electron/app/chat-service.ts', 'electron/app/titles.ts', 'electron/store/store.ts', 'electron/contract/conversation.ts', 'electron/store/migrations/index.ts', 'test/unit/store.test.ts'];
const moved = expandMoves({ 'electron/app/': 'electron/services/', 'test/unit/store.test.ts': 'test/unit/store/sqlite-store.test.ts' }, TREE);

describe('move-modules', () => {
  it('expands a folder move to each file below it', () => {
    expect([...moved]).toEqual([
      ['electron/app/chat-service.ts', 'electron/services/chat-service.ts'],
      ['electron/app/titles.ts', 'electron/services/titles.ts'],
      ['test/unit/store.test.ts', 'test/unit/store/sqlite-store.test.ts'],
    ]);
  });

  it('re-points every kind of import that reaches a moved file, and leaves the rest', () => {
    const text = [
      "import { ChatService } from '../app/chat-service';",
      "import type { Store } from './store';",
      "export { titleFromPrompt } from '../app/titles';",
      "const lazy = () => import('../app/chat-service.ts');",
      "vi.mock('../app/titles');",
    ].join('\n');
    expect(rewriteImports(text, 'electron/store/x.ts', 'electron/store/x.ts', moved, TREE).split('\n')).toEqual([
      "import { ChatService } from '../services/chat-service';",
      "import type { Store } from './store';",
      "export { titleFromPrompt } from '../services/titles';",
      "const lazy = () => import('../services/chat-service.ts');",
      "vi.mock('../services/titles');",
    ]);
  });

  it("re-points a moved file's own imports from its new place", () => {
    const text = "import { DEFAULT_TITLE } from '../../../electron/contract/conversation';\nimport { titleFromPrompt } from '../../../electron/services/titles';\nimport { MIGRATIONS } from '../../../electron/store/migrations';\nconst quoted = \"import('../app/not-a-file')\";\n";
    expect(rewriteImports(text, 'test/unit/store.test.ts', 'test/unit/store/sqlite-store.test.ts', moved, TREE)).toBe(
      "import { DEFAULT_TITLE } from '../../../electron/contract/conversation';\nimport { titleFromPrompt } from '../../../electron/services/titles';\nimport { MIGRATIONS } from '../../../electron/store/migrations';\nconst quoted = \"import('../app/not-a-file')\";\n",
    );
  });
});
