/**
 * The engine runs as an Electron utilityProcess (messages through process.parentPort, wrapped in
 * MessageEvent-like `{data}`) or as a Node child_process.fork child (process.send / 'message').
 * This hides the difference from the worker.
 */
export interface ParentTransport {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

export function connectToParent(): ParentTransport {
  const parentPort = (process as { parentPort?: ParentPort }).parentPort;
  if (parentPort !== undefined) {
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
    };
  }
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('The engine worker must be started by the app (utilityProcess or child_process.fork), not run directly.');
  // A forked engine whose host is gone has nobody to answer: leave rather than linger holding memory.
  process.on('disconnect', () => process.exit(0));
  return {
    send: (message) => {
      // The host may already be gone; a failed send must not crash the engine mid-cleanup.
      if (process.connected) send(message);
    },
    onMessage: (listener) => process.on('message', listener),
  };
}
