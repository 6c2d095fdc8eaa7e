import type { CallArgs, CallName, CallResult, EventName, EventPayload, GlassboxClient } from './api';
import { GlassboxError, isWireError, toWireError, type WireError } from './glassbox-error';
import type { WireFromServer, WireRequest } from './wire';

// The client half of rpc.ts, apart from it so the renderer loads no schemas: the server validates
// every call, and the client only needs to recognise an error's shape.

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
  const events = createEventListeners();

  port.receive((message) => {
    if (message.type === 'result') {
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(GlassboxError.fromWire(parseWireError(message.error)));
      return;
    }
    events.dispatch(message.name, message.payload);
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
    on: events.on,
    failPending(error: WireError): void {
      for (const [id, waiter] of pending) {
        pending.delete(id);
        waiter.reject(GlassboxError.fromWire(error));
      }
    },
  };
}

/** The listeners of a client's `on`, by event name; `dispatch` hands them what the server sent. */
export function createEventListeners(): Pick<GlassboxClient, 'on'> & { dispatch(name: string, payload: unknown): void } {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  return {
    on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      return () => set.delete(untyped);
    },
    dispatch(name: string, payload: unknown): void {
      for (const listener of listeners.get(name) ?? []) listener(payload);
    },
  };
}

/** A wire error as sent, or a stand-in when the other side sent something else. */
export function parseWireError(error: unknown): WireError {
  return isWireError(error) ? { kind: error.kind, message: error.message } : { kind: 'internal', message: 'Malformed error from the server' };
}
