import type { MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../contract/names';

export interface MenuActions {
  command(command: AppCommand): void;
  openModel(): void;
  openDataFolder(): void;
}

/**
 * The native menu as data (Electron builds it with Menu.buildFromTemplate). Shortcuts follow each
 * platform's habits through CmdOrCtrl. Esc (stop) and Enter (send) are handled in the page, where
 * they do not steal keys from text fields and dialogs.
 */
export function menuTemplate(platform: NodeJS.Platform, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const send = (command: AppCommand) => () => actions.command(command);
  const appMenu: MenuItemConstructorOptions[] = mac
    ? [
        {
          label: 'Glassbox',
          submenu: [
            { role: 'about' },
            { type: 'separator' },
            { label: 'Settings…', accelerator: 'Cmd+,', click: send('show-settings') },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [];
  return [
    ...appMenu,
    {
      label: '&File',
      submenu: [
        { label: 'New Chat', accelerator: 'CmdOrCtrl+N', click: send('new-chat') },
        { label: 'Open Model…', accelerator: 'CmdOrCtrl+O', click: () => actions.openModel() },
        { type: 'separator' },
        { label: 'Show Data Folder', click: () => actions.openDataFolder() },
        ...(mac
          ? []
          : ([
              { label: 'Settings…', accelerator: 'Ctrl+,', click: send('show-settings') },
              { type: 'separator' },
              { role: 'quit' },
            ] satisfies MenuItemConstructorOptions[])),
      ],
    },
    {
      label: '&Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
        { type: 'separator' },
        { label: 'Search Conversations…', accelerator: 'CmdOrCtrl+K', click: send('search') },
      ],
    },
    {
      label: '&View',
      submenu: [
        { label: 'Toggle Conversations', accelerator: 'CmdOrCtrl+B', click: send('toggle-conversations') },
        { label: 'Toggle Model Panel', accelerator: 'CmdOrCtrl+Shift+M', click: send('toggle-panel') },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: '&Chat',
      submenu: [{ label: 'Stop Generating (Esc)', click: send('stop') }],
    },
    { role: 'windowMenu' },
  ];
}
