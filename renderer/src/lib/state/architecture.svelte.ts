import type { GlassboxClient } from '../../../../electron/contract/api';

/**
 * The loaded model's architecture (model.inspect) for the side panel.
 * (Placeholder; the architecture panel work fills this in.)
 */
export class ArchitectureState {
  constructor(
    private readonly client: GlassboxClient,
    private readonly report: (text: string) => void,
  ) {}
}
