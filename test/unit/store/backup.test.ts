import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backupName, parseBackupName } from '../../../electron/store/backups';
import { LATEST_SCHEMA_VERSION } from '../../../electron/store/migrations';
import { openStore, openStoreWithRecovery } from '../../../electron/store/sqlite-store';
import { kindOf, tempDir } from './helpers';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => {
  vi.useRealTimers();
  cleanup();
});


describe('backups', () => {
  it('writes a consistent copy into backups/, keeping the last five', () => {
    const path = join(dir, 'glassbox.sqlite');
    const store = openStore(path);
    const c = store.createConversation('Backed up');
    // The last write is still only in the WAL: the copy must have it.
    store.appendMessage({ conversationId: c.id, parentId: null, role: 'user', content: 'in the wal', status: 'complete' });
    expect(existsSync(`${path}-wal`)).toBe(true);

    vi.useFakeTimers({ toFake: ['Date'] });
    const made = [];
    for (let i = 0; i < 7; i++) {
      vi.setSystemTime(Date.UTC(2025, 0, 1, 12, 0, i));
      made.push(store.backup());
    }
    // Two in the same millisecond get distinct names.
    const twin = store.backup();
    expect(twin.fileName).not.toBe(made[6]?.fileName);

    const listed = store.listBackups();
    expect(listed.map((b) => b.fileName)).toEqual([twin, ...made.slice(3).reverse()].map((b) => b.fileName));
    expect(readdirSync(join(dir, 'backups')).sort()).toEqual(listed.map((b) => b.fileName).sort()); // no temp files left
    expect(listed[1]).toEqual({ fileName: made[6]?.fileName, createdAt: Date.UTC(2025, 0, 1, 12, 0, 6), bytes: made[6]?.bytes });
    expect(listed[1]?.bytes).toBe(statSync(join(dir, 'backups', listed[1]?.fileName ?? '')).size);

    const copy = new Database(join(dir, 'backups', twin.fileName), { readonly: true });
    expect(copy.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(copy.prepare('SELECT content FROM messages').pluck().all()).toEqual(['in the wal']);
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();
    store.close();
  });

  it('names backups so that only its own names are accepted', () => {
    const name = backupName(Date.UTC(2025, 5, 30, 23, 59, 58, 7), 0);
    expect(name).toBe('backup-20250630-235958-007.sqlite');
    expect(parseBackupName(name)).toEqual({ createdAt: Date.UTC(2025, 5, 30, 23, 59, 58, 7), counter: 0 });
    expect(parseBackupName(backupName(0, 3))).toEqual({ createdAt: 0, counter: 3 });
    for (const bad of ['../glassbox.sqlite', 'backup-20250630-235958-007.sqlite/../../x', 'backup-20251340-235958-007.sqlite', 'x.sqlite', '']) {
      expect(parseBackupName(bad), bad).toBeNull();
    }
  });

  it('restores a backup into the same store object, keeping the current database aside', () => {
    const path = join(dir, 'glassbox.sqlite');
    const store = openStore(path);
    const before = store.createConversation('Before the backup');
    const backup = store.backup();
    const after = store.createConversation('After the backup');
    store.appendMessage({ conversationId: after.id, parentId: null, role: 'user', content: 'lost by the restore', status: 'complete' });

    store.restoreBackup(backup.fileName);
    expect(store.listConversations().map((c) => c.id)).toEqual([before.id]);
    // The store keeps working: writes, search, and the statements were re-prepared.
    const next = store.createConversation('After the restore');
    store.appendMessage({ conversationId: next.id, parentId: null, role: 'user', content: 'restorable', status: 'complete' });
    expect(store.search('restorable', 5)).toHaveLength(1);
    expect(store.integrityCheck()).toEqual([]);

    const aside = readdirSync(dir).filter((f) => f.startsWith('glassbox.before-restore-') && f.endsWith('.sqlite'));
    expect(aside).toHaveLength(1);
    const old = new Database(join(dir, aside[0] ?? ''), { readonly: true });
    expect(old.prepare('SELECT title FROM conversations ORDER BY created_at').pluck().all()).toEqual([
      'Before the backup',
      'After the backup',
    ]);
    old.close();
    store.close();
    // And the file on disk is the restored one.
    const reopened = openStore(path);
    expect(reopened.listConversations().map((c) => c.title).sort()).toEqual(['After the restore', 'Before the backup']);
    reopened.close();
  });

  it('refuses names that are not backups, and damaged backups, without touching the database', () => {
    const path = join(dir, 'glassbox.sqlite');
    const store = openStore(path);
    store.createConversation('Kept');
    const backup = store.backup();
    expect(kindOf(() => store.restoreBackup('../glassbox.sqlite'))).toBe('invalid-argument');
    expect(kindOf(() => store.restoreBackup(`${backup.fileName}/..`))).toBe('invalid-argument');
    expect(kindOf(() => store.restoreBackup(backupName(Date.UTC(2001, 0, 1), 0)))).toBe('not-found');

    writeFileSync(join(dir, 'backups', backup.fileName), 'not a database at all'.repeat(300));
    expect(kindOf(() => store.restoreBackup(backup.fileName))).toBe('database-corrupt');
    expect(store.listConversations().map((c) => c.title)).toEqual(['Kept']);
    expect(readdirSync(dir).filter((f) => f.includes('restor'))).toEqual([]);
    store.close();
  });

  it('has no backups in memory', () => {
    const store = openStore(':memory:');
    expect(store.listBackups()).toEqual([]);
    expect(kindOf(() => store.backup())).toBe('invalid-argument');
    expect(kindOf(() => store.restoreBackup(backupName(0, 0)))).toBe('invalid-argument');
    store.close();
  });
});

describe('opening with recovery', () => {
  it('moves a corrupt database aside with its WAL and starts afresh', () => {
    const path = join(dir, 'glassbox.sqlite');
    const garbage = Buffer.from('this is not a database, just some text that is long enough to have a header'.repeat(100));
    writeFileSync(path, garbage);
    writeFileSync(`${path}-wal`, 'stale wal');
    const store = openStoreWithRecovery(path);
    expect(store.recovery?.movedTo).toMatch(/glassbox\.corrupt-\d{8}T\d{6}-\d{3}Z\.sqlite$/);
    expect(store.recovery?.reason).toMatch(/damaged/);
    expect(readFileSync(store.recovery?.movedTo ?? '').equals(garbage)).toBe(true);
    expect(readFileSync(`${store.recovery?.movedTo ?? ''}-wal`, 'utf8')).toBe('stale wal');
    expect(store.listConversations()).toEqual([]);
    store.createConversation('A new start');
    store.close();
    const again = openStoreWithRecovery(path);
    expect(again.recovery).toBeNull();
    expect(again.listConversations().map((c) => c.title)).toEqual(['A new start']);
    again.close();
  });

  it('lets the user restore the latest backup after a recovery, which clears it', () => {
    const path = join(dir, 'glassbox.sqlite');
    const first = openStore(path);
    first.createConversation('Precious');
    first.backup();
    first.close();
    writeFileSync(path, 'garbage '.repeat(1000));
    const store = openStoreWithRecovery(path);
    expect(store.recovery).not.toBeNull();
    const latest = store.listBackups()[0];
    expect(latest).toBeDefined();
    store.restoreBackup(latest?.fileName ?? '');
    expect(store.recovery).toBeNull();
    expect(store.listConversations().map((c) => c.title)).toEqual(['Precious']);
    store.close();
  });

  it('leaves a newer database alone and lets the error through', () => {
    const path = join(dir, 'glassbox.sqlite');
    const newer = new Database(path);
    newer.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    newer.exec('CREATE TABLE future (x TEXT)');
    newer.close();
    const bytes = readFileSync(path);
    expect(kindOf(() => openStoreWithRecovery(path))).toBe('database-newer');
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(readdirSync(dir)).toEqual(['glassbox.sqlite']);
  });
});

describe('integrity check', () => {
  it('reports nothing on a healthy database and finds an index out of step', () => {
    const path = join(dir, 'glassbox.sqlite');
    const store = openStore(path);
    const c = store.createConversation('Checked');
    store.appendMessage({ conversationId: c.id, parentId: null, role: 'user', content: 'indexed words', status: 'complete' });
    expect(store.integrityCheck()).toEqual([]);
    store.close();

    // Something outside the app removes a row from the index.
    const raw = new Database(path);
    raw.exec('DELETE FROM message_search');
    raw.close();
    const reopened = openStore(path);
    expect(reopened.integrityCheck().join('\n')).toMatch(/message_search holds 0 messages .* expected 1/);
    reopened.close();
  });
});
