import type { GlassboxClient } from '../../../../electron/contract/api';

/**
 * The token probability explorer: which token of which answer is pinned in the side panel.
 * (Placeholder; the explorer work fills this in.)
 */
export class ExplorerState {
  pinned = $state<{ messageId: string; index: number } | null>(null);

  constructor(
    private readonly client: GlassboxClient,
    private readonly report: (text: string) => void,
  ) {}
}
