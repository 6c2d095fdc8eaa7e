import { z } from 'zod';
import { ERROR_KINDS, type WireError } from './glassbox-error';

export {
  ERROR_KINDS,
  GlassboxError,
  isGlassboxError,
  isWireError,
  toWireError,
  type ErrorKind,
  type WireError,
} from './glassbox-error';

export const wireErrorSchema = z.object({
  kind: z.enum(ERROR_KINDS),
  message: z.string(),
});

// The schema and the hand-written type must describe the same thing; a drift fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesType: Same<z.infer<typeof wireErrorSchema>, WireError> = true;
void schemaMatchesType;
