import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostToEngine } from '../contract/engine-protocol';
import { engineEnvironment, type EngineLauncher, type EngineProcessHandle } from './launcher';

export { engineEnvironment };

export const WORKER_FILE = 'engine-worker.js';

/**
 * Where the built worker is. The bundled main/CLI code lives in out/main/ beside it; from sources
 * (tests) it is <project>/out/main/engine-worker.js. An explicit path wins.
 */
export function resolveWorkerPath(explicit?: string, file: string = WORKER_FILE): string {
  if (explicit !== undefined) return resolve(explicit);
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, file), resolve(here, '..', '..', 'out', 'main', file), resolve(process.cwd(), 'out', 'main', file)];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) throw new Error(`The worker ${file} was not found (looked in ${candidates.join(', ')}). Run \`npm run build\` first.`);
  return found;
}

export interface NodeLauncherOptions {
  workerPath?: string;
  /** The built worker's file name in out/main/ (default: the engine's; the trace process has its own). */
  workerFile?: string;
  /** Extra environment for the engine (e.g. GLASSBOX_THREADS). */
  env?: NodeJS.ProcessEnv;
  /** 'inherit' (default) shows llama.cpp's warnings in our stderr; 'pipe' hands them to onStderr. */
  stderr?: 'inherit' | 'pipe';
  onStderr?: (text: string) => void;
}

/** Starts the engine with child_process.fork, for Node hosts (tests, CLI, web mode). */
export class NodeEngineLauncher<Message extends object = HostToEngine> implements EngineLauncher<Message> {
  constructor(private readonly options: NodeLauncherOptions = {}) {}

  launch(): EngineProcessHandle<Message> {
    // Resolved at launch, not construction: commands that never use the engine must not need the build.
    const child = fork(resolveWorkerPath(this.options.workerPath, this.options.workerFile), [], {
      env: engineEnvironment(process.env, this.options.env),
      // stdout is not used by the protocol; stderr carries llama.cpp's warnings and must not be lost.
      stdio: ['ignore', 'inherit', this.options.stderr ?? 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    if (this.options.stderr === 'pipe') child.stderr?.on('data', (chunk: Buffer) => this.options.onStderr?.(chunk.toString('utf8')));
    return new ForkedEngine<Message>(child);
  }
}

export function createNodeLauncher<Message extends object = HostToEngine>(options: NodeLauncherOptions = {}): NodeEngineLauncher<Message> {
  return new NodeEngineLauncher<Message>(options);
}

class ForkedEngine<Message extends object> implements EngineProcessHandle<Message> {
  constructor(private readonly child: ChildProcess) {
    // A failed spawn emits 'error' then 'exit'; without a listener it would throw in the host.
    child.on('error', (error) => process.stderr.write(`Engine process error: ${error.message}\n`));
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  send(message: Message): void {
    if (this.child.connected) this.child.send(message);
  }

  onMessage(listener: (message: unknown) => void): void {
    this.child.on('message', listener);
  }

  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.child.once('exit', (code, signal) => listener(code, signal));
  }

  kill(): void {
    // The engine keeps nothing worth saving, and SIGTERM also ends it in the middle of a native decode.
    this.child.kill('SIGTERM');
  }
}
