import type { EventName } from './api';
import type { WireError } from './glassbox-error';

/**
 * The wire format shared by every transport (IPC, WebSocket, in-memory). Modelled on VS Code's
 * channels: a call is answered exactly once, events flow the other way.
 */
export type WireRequest = { type: 'call'; id: number; name: string; args: unknown };
export type WireResult = { ok: true; value: unknown } | { ok: false; error: WireError };
export type WireResponse = { type: 'result'; id: number } & WireResult;
export type WireEvent = { type: 'event'; name: EventName; payload: unknown };
export type WireFromServer = WireResponse | WireEvent;
