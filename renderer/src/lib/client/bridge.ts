import type { CallArgs, CallName, CallResult, GlassboxClient } from '../../../../electron/contract/api';
import type { GlassboxBridge } from '../../../../electron/contract/bridge';
import { GlassboxError } from '../../../../electron/contract/glassbox-error';
import { createEventListeners, parseWireError } from '../../../../electron/contract/port-client';
import type { WireEvent } from '../../../../electron/contract/wire';

/** Electron: the preload's `window.glassbox` turned into a GlassboxClient. */
export function clientFromBridge(bridge: GlassboxBridge): GlassboxClient {
  const events = createEventListeners();
  bridge.onEvent((event: WireEvent) => events.dispatch(event.name, event.payload));
  return {
    async call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>> {
      const result = await bridge.call(name, args);
      if (result.ok) return result.value as CallResult<N>;
      throw GlassboxError.fromWire(parseWireError(result.error));
    },
    on: events.on,
  };
}
