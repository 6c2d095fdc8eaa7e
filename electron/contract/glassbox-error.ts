/**
 * The error every process boundary carries, free of zod so the renderer and web mode's first
 * moments do not load a schema library to name an error; errors.ts adds the schema that
 * validates one arriving from outside.
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
  /** The conversation (or prompt) needs more tokens than the loaded model's context holds. */
  'context-full',
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
  /**
   * An answer's exact distribution was asked for, but the prompt it was written from cannot be
   * rebuilt as it was (the system prompt, earlier messages or attached documents changed since).
   */
  'prompt-changed',
  /** Asked of the loaded model about an answer another model (or a remote endpoint) wrote. */
  'other-model',
  /** The forward-pass trace (electron/trace) does not know this model's architecture yet. */
  'trace-unsupported',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface WireError {
  kind: ErrorKind;
  message: string;
}

/** The same check as errors.ts's wireErrorSchema, for code that must not load zod. */
export function isWireError(value: unknown): value is WireError {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, message } = value as Record<string, unknown>;
  return (ERROR_KINDS as readonly unknown[]).includes(kind) && typeof message === 'string';
}

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

/**
 * How the router starts the message of a call whose arguments failed their schema: text for
 * developers and logs, which the renderer recognises and never shows as it is.
 */
export const VALIDATION_PREFIX = 'Invalid arguments for ';

/** Anything thrown becomes a wire error; unexpected ones keep their message but are marked internal. */
export function toWireError(error: unknown): WireError {
  if (error instanceof GlassboxError) return error.toWire();
  if (error instanceof Error) return { kind: 'internal', message: error.message };
  return { kind: 'internal', message: String(error) };
}

export function isGlassboxError(error: unknown, kind?: ErrorKind): error is GlassboxError {
  return error instanceof GlassboxError && (kind === undefined || error.kind === kind);
}
