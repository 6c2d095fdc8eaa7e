import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { IPC_CHANNELS, isCallName } from '../contract/names';
import type { GlassboxBridge } from '../contract/bridge';
import type { WireEvent, WireResult } from '../contract/rpc';

// The renderer's only door to the app: call a contract call by name, hear events, and find the
// path of a dropped file. No ipcRenderer, no Node, no arbitrary channel crosses into the page.
const bridge: GlassboxBridge = {
  call(name: string, args: unknown): Promise<WireResult> {
    if (!isCallName(name)) {
      return Promise.resolve({ ok: false, error: { kind: 'unknown-call', message: `Unknown call: ${String(name).slice(0, 80)}` } });
    }
    return ipcRenderer.invoke(IPC_CHANNELS.call, name, args) as Promise<WireResult>;
  },
  onEvent(listener: (event: WireEvent) => void): () => void {
    const wrapped = (_event: Electron.IpcRendererEvent, payload: WireEvent): void => listener(payload);
    ipcRenderer.on(IPC_CHANNELS.event, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.event, wrapped);
    };
  },
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file);
  },
};

contextBridge.exposeInMainWorld('glassbox', bridge);
