import type { CallArgs, CallName, CallResult, EventName, EventPayload, GlassboxClient } from '../../../../electron/contract/api';
import type { GlassboxBridge } from '../../../../electron/contract/bridge';
import { GlassboxError } from '../../../../electron/contract/glassbox-error';
import { parseWireError } from '../../../../electron/contract/port-client';
import type { WireEvent } from '../../../../electron/contract/wire';

/** Electron: the preload's `window.glassbox` turned into a GlassboxClient. */
export function clientFromBridge(bridge: GlassboxBridge): GlassboxClient {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  bridge.onEvent((event: WireEvent) => {
    for (const listener of listeners.get(event.name) ?? []) listener(event.payload);
  });
  return {
    async call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>> {
      const result = await bridge.call(name, args);
      if (result.ok) return result.value as CallResult<N>;
      throw GlassboxError.fromWire(parseWireError(result.error));
    },
    on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      return () => set.delete(untyped);
    },
  };
}
