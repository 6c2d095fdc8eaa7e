import { z } from 'zod';

/**
 * Every error that crosses a process boundary carries one of these kinds, so the UI can act on it
 * (offer to pick another model, restart, retry) without parsing messages.
 */
export const ERROR_KINDS = [
  'invalid-argument',
  'unknown-call',
  'unauthorized',
  'not-found',
  'no-model',
  'model-invalid',
  'model-too-large',
  'model-load-failed',
  'engine-crashed',
  'busy',
  'cancelled',
  'database-newer',
  'database-corrupt',
  'internal',
  /** Remote engines (electron/remote/errors.ts): what went wrong talking to an OpenAI-compatible endpoint. */
  'remote-unreachable',
  'remote-tls',
  'remote-auth',
  'remote-rate-limited',
  'remote-not-found',
  'remote-stream-cut',
  'remote-unsupported',
  'remote-failed',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export const wireErrorSchema = z.object({
  kind: z.enum(ERROR_KINDS),
  message: z.string(),
});

export type WireError = z.infer<typeof wireErrorSchema>;

export class GlassboxError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GlassboxError';
    this.kind = kind;
  }

  toWire(): WireError {
    return { kind: this.kind, message: this.message };
  }

  static fromWire(error: WireError): GlassboxError {
    return new GlassboxError(error.kind, error.message);
  }
}

/** Anything thrown becomes a wire error; unexpected ones keep their message but are marked internal. */
export function toWireError(error: unknown): WireError {
  if (error instanceof GlassboxError) return error.toWire();
  if (error instanceof Error) return { kind: 'internal', message: error.message };
  return { kind: 'internal', message: String(error) };
}

export function isGlassboxError(error: unknown, kind?: ErrorKind): error is GlassboxError {
  return error instanceof GlassboxError && (kind === undefined || error.kind === kind);
}
