import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { BackupInfo } from '../contract/conversation';
import { GlassboxError } from '../contract/errors';

/** How many backups are kept; the oldest go first. */
export const BACKUPS_KEPT = 5;
export const BACKUP_FOLDER = 'backups';

/** backup-20250101-120000-123.sqlite, or backup-…-123-2.sqlite for a second one in the same millisecond. */
const BACKUP_NAME = /^backup-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})(?:-(\d{1,3}))?\.sqlite$/;

export function backupFolder(databasePath: string): string {
  return join(dirname(databasePath), BACKUP_FOLDER);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export function backupName(time: number, counter: number): string {
  const d = new Date(time);
  const stamp =
    `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}-` +
    `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}-${pad(d.getUTCMilliseconds(), 3)}`;
  return `backup-${stamp}${counter === 0 ? '' : `-${counter}`}.sqlite`;
}

/** createdAt and counter of a backup's file name, or null if it is not one (including any path). */
export function parseBackupName(fileName: string): { createdAt: number; counter: number } | null {
  const m = BACKUP_NAME.exec(fileName);
  if (m === null) return null;
  const n = (i: number): number => Number(m[i] ?? 0);
  const createdAt = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6), n(7));
  if (!Number.isFinite(createdAt) || backupName(createdAt, n(8)) !== fileName) return null;
  return { createdAt, counter: n(8) };
}

/** The backups in `folder`, newest first. */
export function listBackupFiles(folder: string): BackupInfo[] {
  if (!existsSync(folder)) return [];
  const found: Array<BackupInfo & { counter: number }> = [];
  for (const fileName of readdirSync(folder)) {
    const parsed = parseBackupName(fileName);
    if (parsed === null) continue;
    try {
      const stat = statSync(join(folder, fileName));
      if (stat.isFile()) found.push({ fileName, createdAt: parsed.createdAt, bytes: stat.size, counter: parsed.counter });
    } catch {
      // Removed meanwhile (another process pruning): not a backup any more.
    }
  }
  found.sort((a, b) => b.createdAt - a.createdAt || b.counter - a.counter);
  return found.map(({ fileName, createdAt, bytes }) => ({ fileName, createdAt, bytes }));
}

/** A backup's full path; refuses anything that is not a backup name (no path traversal). */
export function backupPath(databasePath: string, fileName: string): string {
  if (parseBackupName(fileName) === null) {
    throw new GlassboxError('invalid-argument', `${JSON.stringify(fileName)} is not the name of a Glassbox backup`);
  }
  const path = join(backupFolder(databasePath), fileName);
  if (!existsSync(path)) throw new GlassboxError('not-found', `No backup named ${fileName}`);
  return path;
}

export function pruneBackups(folder: string, keep: number): void {
  for (const old of listBackupFiles(folder).slice(keep)) rmSync(join(folder, old.fileName), { force: true });
}

/** `<dir>/<stem>.<label>-<time><ext>`: where a database is moved aside (glassbox.corrupt-….sqlite). */
export function asideName(databasePath: string, label: string, time: number): string {
  const ext = extname(databasePath);
  const stem = basename(databasePath, ext);
  const stamp = new Date(time).toISOString().replace(/[-:]/g, '').replace('.', '-');
  let candidate = join(dirname(databasePath), `${stem}.${label}-${stamp}${ext}`);
  for (let i = 2; existsSync(candidate); i++) candidate = join(dirname(databasePath), `${stem}.${label}-${stamp}-${i}${ext}`);
  return candidate;
}

const SIDE_FILES = ['-wal', '-shm', '-journal'];

/** Moves a database and its WAL, shared-memory and journal files (those that exist) to `target`. */
export function moveDatabase(from: string, to: string): void {
  renameSync(from, to);
  for (const suffix of SIDE_FILES) if (existsSync(from + suffix)) renameSync(from + suffix, to + suffix);
}
