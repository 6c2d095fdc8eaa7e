import { EngineHost } from '../engine/host';
import { createNodeLauncher } from '../engine/node-launcher';
import type { Engine } from '../engine/engine';

/** Outside Electron the engine process is a plain Node child (child_process.fork). */
export function createLocalEngine(): Engine {
  return new EngineHost(createNodeLauncher());
}
