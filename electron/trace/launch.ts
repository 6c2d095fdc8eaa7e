import { createNodeLauncher } from '../engine/node-launcher';
import type { HostToTracer } from './protocol';
import { TraceRunner, type TraceLauncher } from './trace-runner';

export const TRACE_WORKER_FILE = 'trace-worker.js';

/** The trace process under Node (web mode, the CLI, tests): out/main/trace-worker.js, llama.cpp's log kept off our stderr unless asked for. */
export function nodeTraceLauncher(options: { showLlamaLog?: boolean } = {}): TraceLauncher {
  return createNodeLauncher<HostToTracer>({ workerFile: TRACE_WORKER_FILE, stderr: options.showLlamaLog === true ? 'inherit' : 'pipe', onStderr: () => {} });
}

export function createTraceRunner(launcher: TraceLauncher = nodeTraceLauncher()): TraceRunner {
  return new TraceRunner(launcher);
}
