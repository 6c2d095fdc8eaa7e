import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { BackupInfo } from '../contract/conversation';
import { asideName, BACKUPS_KEPT, backupFolder, backupName, backupPath, moveDatabase, pruneBackups } from './backups';
import { openDatabase } from './database';

/** Flushes a file, so a rename that follows is durable. */
function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/** Writes a consistent copy of the database at `databasePath` to its backups folder, keeping the last few. */
export function writeBackup(db: Database.Database, databasePath: string): BackupInfo {
  const folder = backupFolder(databasePath);
  mkdirSync(folder, { recursive: true });
  const now = Date.now();
  let counter = 0;
  while (existsSync(join(folder, backupName(now, counter)))) counter++;
  const fileName = backupName(now, counter);
  const target = join(folder, fileName);
  const temporary = join(folder, `.${fileName}.${process.pid}.tmp`);
  rmSync(temporary, { force: true });
  try {
    // A consistent snapshot, WAL included, written by SQLite itself while the app keeps running;
    // the rename makes it appear whole or not at all.
    db.prepare('VACUUM INTO ?').run(temporary);
    fsyncFile(temporary);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  pruneBackups(folder, BACKUPS_KEPT);
  return { fileName, createdAt: now, bytes: statSync(target).size };
}

/**
 * Checks the backup by opening a copy (migrating it if it is from an older version), then swaps it
 * in: the current database is moved aside to `<name>.before-restore-<time>.sqlite`, never deleted.
 * `close` closes the current connection; `attach` receives the new one (or, when the swap failed,
 * the previous database reopened, before the error is thrown).
 */
export function restoreBackupFile(
  databasePath: string,
  fileName: string,
  close: () => void,
  attach: (db: Database.Database) => void,
): void {
  const source = backupPath(databasePath, fileName);
  const staging = `${databasePath}.restoring`;
  removeDatabaseFiles(staging);
  try {
    copyFileSync(source, staging);
    openDatabase(staging).close(); // throws database-corrupt / database-newer; closing checkpoints
  } catch (error) {
    removeDatabaseFiles(staging);
    throw error;
  }
  close();
  const aside = asideName(databasePath, 'before-restore', Date.now());
  try {
    if (existsSync(databasePath)) moveDatabase(databasePath, aside);
    moveDatabase(staging, databasePath);
    attach(openDatabase(databasePath));
  } catch (error) {
    // Put the previous database back so the app keeps working on what it had.
    if (existsSync(aside)) {
      removeDatabaseFiles(databasePath);
      moveDatabase(aside, databasePath);
    }
    attach(openDatabase(databasePath));
    throw error;
  }
}
