import { migration001 } from './001-initial';
import { migration002 } from './002-history';
import { migration003 } from './003-documents';
import { migration004 } from './004-engines';
import { migration005 } from './005-document-vectors';
import { migration006 } from './006-import-origin';
import { migration007 } from './007-thoughts';
import type { Migration } from './migration';

export type { Migration } from './migration';

/** Every schema version, in order. Add a file per version and append it here; never edit a shipped one. */
export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007];

/** The schema version this build writes. A database with a higher user_version is refused. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.length;

// The runner relies on versions being 1..N in order; a mistake here should fail at load, loudly.
MIGRATIONS.forEach((migration, index) => {
  if (migration.version !== index + 1) {
    throw new Error(`Migration ${migration.name} has version ${migration.version}, expected ${index + 1}`);
  }
});
