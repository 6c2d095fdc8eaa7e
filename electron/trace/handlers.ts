import type { Handlers } from '../contract/rpc';
import type { TraceService } from './trace-service';

/** The contract's trace.* calls. */
export function traceHandlers(trace: TraceService): Pick<Handlers, 'trace.start' | 'trace.cancel' | 'trace.attention' | 'trace.compareWord'> {
  return {
    'trace.start': async (args) => trace.start(args),
    'trace.cancel': async ({ jobId }) => ({ cancelled: trace.cancel(jobId) }),
    'trace.attention': async ({ traceId, layer }) => trace.attention(traceId, layer),
    'trace.compareWord': async (args) => trace.compare(args),
  };
}
