import type { AppCommand } from '../../../electron/contract/names';

/** Page shortcuts that run an app command; in the desktop app the native menu's accelerators take them first. */
export const COMMAND_SHORTCUTS: { key: string; shift: boolean; command: AppCommand }[] = [
  { key: 'b', shift: false, command: 'toggle-conversations' },
  { key: 'm', shift: true, command: 'toggle-panel' },
  { key: ',', shift: false, command: 'show-settings' },
];

/** Every keyboard shortcut, as Settings lists them ("Mod" is Ctrl, or ⌘ on a Mac). */
export const SHORTCUT_LIST: { keys: string; does: string }[] = [
  { keys: 'Enter', does: 'Send the message' },
  { keys: 'Shift+Enter', does: 'New line in the message' },
  { keys: 'Esc', does: 'Stop the answer being written' },
  { keys: 'Mod+K', does: 'Search conversations' },
  { keys: 'Mod+B', does: 'Show or hide the conversations' },
  { keys: 'Mod+Shift+M', does: 'Show or hide the side panel' },
  { keys: 'Mod+,', does: 'Open Settings' },
  { keys: '↑ ↓ Home End', does: 'Move between conversations (Tab reaches the list once)' },
  { keys: '→ ←', does: "Go to a conversation's ⋯ actions and back" },
  { keys: 'F2', does: 'Rename the conversation' },
  { keys: 'Shift+F10', does: "Open a conversation's actions menu" },
];

export function shortcutKeys(keys: string, mac: boolean): string {
  return keys.replaceAll('Mod+', mac ? '⌘' : 'Ctrl+');
}
