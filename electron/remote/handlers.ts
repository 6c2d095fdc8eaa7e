import { GlassboxError } from '../contract/errors';
import type { Handlers } from '../contract/rpc';
import type { Store } from '../store/store';
import { LOCAL_ENGINE } from '../contract/remote';
import type { EndpointService } from './endpoints';

export type RemoteCallName =
  | 'endpoints.list'
  | 'endpoints.save'
  | 'endpoints.remove'
  | 'endpoints.test'
  | 'endpoints.setArchitectureFile'
  | 'endpoints.architecture'
  | 'conversations.setEngine';

/** The remote-engine calls (spread into createHandlers). */
export function remoteHandlers(deps: { endpoints: EndpointService; store: Store }): Pick<Handlers, RemoteCallName> {
  const { endpoints, store } = deps;
  return {
    'endpoints.list': async () => endpoints.list(),
    'endpoints.save': async (input) => endpoints.save(input),
    'endpoints.remove': async ({ id }) => ({ removed: endpoints.remove(id) }),
    'endpoints.test': async (input) => ({ models: await endpoints.test(input) }),
    'endpoints.setArchitectureFile': async ({ id, path }) => endpoints.setArchitectureFile(id, path),
    'endpoints.architecture': async ({ id }) => endpoints.architecture(id),
    'conversations.setEngine': async ({ id, engine }) => {
      if (engine !== LOCAL_ENGINE && endpoints.get(engine) === null) {
        throw new GlassboxError('not-found', `No remote endpoint ${engine}. Add it in Settings → Engines first.`);
      }
      return store.setEngine(id, engine);
    },
  };
}
