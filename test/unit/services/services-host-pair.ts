import type { ParentToHost } from '../../../electron/services/host-protocol';
import { runServicesHost } from '../../../electron/services/services-host';
import type { EngineProcessHandle } from '../../../electron/engine/launcher';
import type { ParentTransport } from '../../../electron/engine/transport';

// A services host running in this process behind an in-memory message pair: every message goes
// through a structured clone and a turn of the event loop, as between processes.

export interface Pair {
  host: EngineProcessHandle<ParentToHost>;
  exit(code: number | null): void;
}

export function messagePair(): Pair {
  const toHost = new Set<(message: unknown) => void>();
  const toParent = new Set<(message: unknown) => void>();
  const exits = new Set<(code: number | null, signal: string | null) => void>();
  let alive = true;
  const deliver = (listeners: Set<(message: unknown) => void>, message: unknown): void => {
    const copy = structuredClone(message);
    setImmediate(() => {
      if (alive) for (const listener of listeners) listener(copy);
    });
  };
  const child: ParentTransport = { send: (message) => deliver(toParent, message), onMessage: (listener) => toHost.add(listener) };
  runServicesHost(child);
  const exit = (code: number | null): void => {
    if (!alive) return;
    alive = false;
    for (const listener of exits) listener(code, null);
  };
  return {
    host: {
      pid: null,
      send: (message) => deliver(toHost, message),
      onMessage: (listener) => toParent.add(listener),
      onExit: (listener) => exits.add(listener),
      kill: () => exit(null),
    },
    exit,
  };
}

