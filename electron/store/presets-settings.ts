import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Preset } from '../contract/conversation';
import { wellFormed } from './codec';
import { invalid, notFound } from './rows';

function prepare(db: Database.Database) {
  return {
    listPresets: db.prepare<[], Preset>('SELECT id, name, text FROM presets ORDER BY name COLLATE NOCASE, created_at'),
    insertPreset: db.prepare<[string, string, string, number, number]>(
      'INSERT INTO presets (id, name, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    ),
    updatePreset: db.prepare<[string, string, number, string]>('UPDATE presets SET name = ?, text = ?, updated_at = ? WHERE id = ?'),
    deletePreset: db.prepare<[string]>('DELETE FROM presets WHERE id = ?'),
    getSetting: db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck(),
    setSetting: db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

/** System-prompt presets and the key/value settings table. */
export class PresetsAndSettings {
  private readonly sql: ReturnType<typeof prepare>;

  constructor(db: Database.Database) {
    this.sql = prepare(db);
  }

  listPresets(): Preset[] {
    return this.sql.listPresets.all();
  }

  savePreset(preset: { id?: string | undefined; name: string; text: string }): Preset {
    const name = wellFormed(preset.name.trim());
    const text = wellFormed(preset.text);
    if (name === '') throw invalid('A preset needs a name');
    const now = Date.now();
    if (preset.id === undefined) {
      const id = randomUUID();
      this.sql.insertPreset.run(id, name, text, now, now);
      return { id, name, text };
    }
    if (this.sql.updatePreset.run(name, text, now, preset.id).changes === 0) throw notFound('preset', preset.id);
    return { id: preset.id, name, text };
  }

  deletePreset(id: string): boolean {
    return this.sql.deletePreset.run(id).changes > 0;
  }

  getSetting(key: string): string | null {
    return this.sql.getSetting.get(key) ?? null;
  }

  setSetting(key: string, value: string): void {
    this.sql.setSetting.run(key, value);
  }
}
