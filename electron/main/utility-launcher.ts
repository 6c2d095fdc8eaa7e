import { utilityProcess } from 'electron';
import type { HostToEngine } from '../contract/engine-protocol';
import type { EngineLauncher, EngineProcessHandle } from '../engine/launcher';
import { engineEnvironment } from '../engine/node-launcher';

/**
 * In Electron the engine runs as a utilityProcess: a Node process Electron manages, so a crash in
 * llama.cpp never takes the window down. The services host runs as one too, with the environment
 * as it is (`env`): it reads files and resolves names on libuv's pool, which the engine's
 * environment shrinks to one thread.
 */
export function createUtilityLauncher<Message extends object = HostToEngine>(
  workerPath: string,
  serviceName = 'Glassbox engine',
  env: NodeJS.ProcessEnv = engineEnvironment(process.env),
): EngineLauncher<Message> {
  return {
    launch(): EngineProcessHandle<Message> {
      const child = utilityProcess.fork(workerPath, [], {
        serviceName,
        env,
        stdio: 'inherit',
      });
      return {
        get pid() {
          return child.pid ?? null;
        },
        send(message: Message) {
          child.postMessage(message);
        },
        onMessage(listener) {
          child.on('message', (message: unknown) => listener(message));
        },
        onExit(listener) {
          child.on('exit', (code: number) => listener(code, null));
        },
        kill() {
          child.kill();
        },
      };
    },
  };
}
