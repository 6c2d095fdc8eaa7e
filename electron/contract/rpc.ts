import type { z } from 'zod';
import { calls, isCallName, type CallName, type CallResult, type Calls, type EventName, type EventPayload } from './api';
import { toWireError } from './errors';
import { VALIDATION_PREFIX } from './glassbox-error';
import { createPortClient, type PortClient } from './port-client';
import type { WireEvent, WireFromServer, WireResult } from './wire';

export type { WireEvent, WireFromServer, WireRequest, WireResponse, WireResult } from './wire';
export { createPortClient, type ClientPort, type PortClient } from './port-client';

export type Handlers = {
  [N in CallName]: (args: z.output<Calls[N]['args']>) => Promise<CallResult<N>>;
};

/** Server side: validates the call name and its arguments before any handler runs. */
export class Router {
  constructor(private readonly handlers: Handlers) {}

  async dispatch(name: unknown, args: unknown): Promise<WireResult> {
    if (!isCallName(name)) {
      return { ok: false, error: { kind: 'unknown-call', message: `Unknown call: ${String(name).slice(0, 80)}` } };
    }
    const parsed = calls[name].args.safeParse(args ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
      return {
        ok: false,
        error: { kind: 'invalid-argument', message: `${VALIDATION_PREFIX}${name}${where}: ${issue?.message ?? 'rejected'}` },
      };
    }
    try {
      const handler = this.handlers[name] as (a: unknown) => Promise<unknown>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      return { ok: false, error: toWireError(error) };
    }
  }
}

type Listener = (event: WireEvent) => void;

/** Fan-out of events to every connected transport. */
export class EventHub {
  private readonly listeners = new Set<Listener>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const event: WireEvent = { type: 'event', name, payload };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One broken transport (a closed socket) must not stop the others from hearing the event.
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Tests and the CLI talk to the services through this, with a JSON round trip on every message
 * so that anything that would not survive a real process boundary fails here too.
 */
export function createInMemoryClient(router: Router, hub: EventHub): PortClient & { close(): void } {
  let deliver: (message: WireFromServer) => void = () => {};
  let closed = false;
  const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  const unsubscribe = hub.subscribe((event) => {
    if (!closed) queueMicrotask(() => deliver(roundTrip(event)));
  });
  const client = createPortClient({
    send(request) {
      const wire = roundTrip(request);
      void router.dispatch(wire.name, wire.args).then((result) => {
        if (!closed) deliver(roundTrip({ type: 'result', id: wire.id, ...result }));
      });
    },
    receive(handler) {
      deliver = handler;
    },
  });
  return {
    ...client,
    close() {
      closed = true;
      unsubscribe();
    },
  };
}
