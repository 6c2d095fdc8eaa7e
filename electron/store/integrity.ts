import type Database from 'better-sqlite3';

/**
 * Full PRAGMA integrity_check plus what it cannot see: the FTS5 indexes' own checks and that they
 * hold exactly the rows they should. Returns the problems found (none: an empty list).
 */
export function integrityCheck(db: Database.Database): string[] {
  const problems: string[] = [];
  const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  for (const row of rows) if (row.integrity_check !== 'ok') problems.push(row.integrity_check);
  for (const table of ['message_search', 'conversation_search']) {
    try {
      db.prepare(`INSERT INTO ${table} (${table}) VALUES ('integrity-check')`).run();
    } catch (error) {
      problems.push(`${table}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // Each index holds exactly the rows it should (same count, none pointing elsewhere).
  const count = (sql: string): number => db.prepare<[], number>(sql).pluck().get() ?? 0;
  const checkIndex = (index: string, noun: string, expectedSql: string, straySql: string): void => {
    const indexed = count(`SELECT count(*) FROM ${index}`);
    const expected = count(expectedSql);
    const stray = count(straySql);
    if (indexed !== expected || stray !== 0) problems.push(`${index} holds ${indexed} ${noun} (${stray} unknown), expected ${expected}`);
  };
  checkIndex(
    'message_search',
    'messages',
    "SELECT count(*) FROM messages WHERE status != 'streaming'",
    "SELECT count(*) FROM message_search s LEFT JOIN messages m ON m.rowid = s.rowid WHERE m.rowid IS NULL OR m.status = 'streaming'",
  );
  checkIndex(
    'conversation_search',
    'titles',
    'SELECT count(*) FROM conversations',
    'SELECT count(*) FROM conversation_search s LEFT JOIN conversations c ON c.rowid = s.rowid WHERE c.rowid IS NULL',
  );
  return problems;
}
