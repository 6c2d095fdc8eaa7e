import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { menuTemplate } from '../../../electron/main/menu';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? flatten(item.submenu) : [])]);
}

describe('native menu', () => {
  for (const platform of ['darwin', 'linux', 'win32'] as const) {
    it(`has the documented shortcuts on ${platform}`, () => {
      const command = vi.fn();
      const items = flatten(menuTemplate(platform, { command, openModel: vi.fn(), openDataFolder: vi.fn() }));
      const byLabel = new Map(items.filter((i) => i.label).map((i) => [i.label, i]));
      expect(byLabel.get('New Chat')?.accelerator).toBe('CmdOrCtrl+N');
      expect(byLabel.get('Search Conversations…')?.accelerator).toBe('CmdOrCtrl+K');
      expect(byLabel.get('Open Model…')?.accelerator).toBe('CmdOrCtrl+O');
      expect(items.some((i) => i.role === 'zoomIn')).toBe(true);
      expect(items.filter((i) => i.role === 'quit')).toHaveLength(1);
      const click = byLabel.get('New Chat')?.click as unknown as () => void;
      click();
      expect(command).toHaveBeenCalledWith('new-chat');
      // Esc and Enter stay with the page, where text fields and dialogs need them.
      expect(items.some((i) => i.accelerator === 'Escape' || i.accelerator === 'Enter')).toBe(false);
    });
  }
});
