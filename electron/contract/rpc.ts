import type { z } from 'zod';
import {
  calls,
  isCallName,
  type CallArgs,
  type CallName,
  type CallResult,
  type Calls,
  type EventName,
  type EventPayload,
  type GlassboxClient,
} from './api';
import { GlassboxError, toWireError, wireErrorSchema, type WireError } from './errors';

/**
 * The wire format shared by every transport (IPC, WebSocket, in-memory). Modelled on VS Code's
 * channels: a call is answered exactly once, events flow the other way.
 */
export type WireRequest = { type: 'call'; id: number; name: string; args: unknown };
export type WireResult = { ok: true; value: unknown } | { ok: false; error: WireError };
export type WireResponse = { type: 'result'; id: number } & WireResult;
export type WireEvent = { type: 'event'; name: EventName; payload: unknown };
export type WireFromServer = WireResponse | WireEvent;

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
        error: { kind: 'invalid-argument', message: `Invalid arguments for ${name}${where}: ${issue?.message ?? 'rejected'}` },
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

export interface ClientPort {
  send(request: WireRequest): void;
  /** Registers the single receiver of everything the server sends. */
  receive(handler: (message: WireFromServer) => void): void;
}

export interface PortClient extends GlassboxClient {
  /** Fails every pending call, e.g. when the connection is lost. */
  failPending(error: WireError): void;
}

/** Client side over any message port: numbers requests, matches answers, dispatches events. */
export function createPortClient(port: ClientPort): PortClient {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  port.receive((message) => {
    if (message.type === 'result') {
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(GlassboxError.fromWire(parseWireError(message.error)));
      return;
    }
    for (const listener of listeners.get(message.name) ?? []) listener(message.payload);
  });

  return {
    call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>> {
      const id = nextId++;
      return new Promise<CallResult<N>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        try {
          port.send({ type: 'call', id, name, args });
        } catch (error) {
          pending.delete(id);
          reject(new GlassboxError('internal', `Could not send ${name}: ${toWireError(error).message}`));
        }
      });
    },
    on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      return () => set.delete(untyped);
    },
    failPending(error: WireError): void {
      for (const [id, waiter] of pending) {
        pending.delete(id);
        waiter.reject(GlassboxError.fromWire(error));
      }
    },
  };
}

function parseWireError(error: unknown): WireError {
  const parsed = wireErrorSchema.safeParse(error);
  return parsed.success ? parsed.data : { kind: 'internal', message: 'Malformed error from the server' };
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
