import { createHash } from 'node:crypto';
import type { Message } from '../../../electron/contract/conversation';

/** A hash of a value's JSON: doubles are written shortest-round-trip, so equal hashes mean identical values. */
export function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64');
}

/** Everything written about a message, not what changes around it (siblings come later). */
export function messageDigest(m: Message): string {
  return digest([m.id, m.conversationId, m.parentId, m.role, m.content, m.status, m.createdAt, m.tokens, m.stats, m.model, m.sampling, m.error]);
}
