// Why not electron-window-state (5.0.3, the maintained one): it requires('electron') and reads
// `screen` when it starts, so its logic cannot be unit-tested under Node here (Electron's binary is
// not available; this file is, with work areas passed in); it writes with jsonfile in place rather
// than beside-and-rename; it resets a window that is not wholly inside one display, where we keep
// any window with a usable part on screen and enforce the app's minimum size; and it adds jsonfile
// and mkdirp to the ASAR. The lines below are the whole policy.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 };
export const MIN_SIZE = { width: 1024, height: 700 };

/** Reads the remembered window state; anything unreadable or implausible is ignored. */
export function loadWindowState(file: string): WindowState | null {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { bounds, maximized } = value as { bounds?: unknown; maximized?: unknown };
  if (!isRectangle(bounds)) return null;
  return { bounds, maximized: maximized === true };
}

export function saveWindowState(file: string, state: WindowState): void {
  // Written beside and renamed, so a crash mid-write never leaves half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}

/**
 * Where the window opens: the remembered bounds if at least a usable part of them is on a screen
 * that still exists (a monitor may have been unplugged), else centred at the default size.
 */
export function placeWindow(saved: WindowState | null, workAreas: Rectangle[]): WindowState {
  const fallback = (): WindowState => {
    const area = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE };
    const width = Math.min(DEFAULT_SIZE.width, area.width);
    const height = Math.min(DEFAULT_SIZE.height, area.height);
    return {
      bounds: { x: area.x + Math.round((area.width - width) / 2), y: area.y + Math.round((area.height - height) / 2), width, height },
      maximized: false,
    };
  };
  if (!saved) return fallback();
  const width = Math.max(MIN_SIZE.width, saved.bounds.width);
  const height = Math.max(MIN_SIZE.height, saved.bounds.height);
  const bounds = { ...saved.bounds, width, height };
  const visible = workAreas.some((area) => overlap(bounds, area) >= 100 * 100);
  return visible ? { bounds, maximized: saved.maximized } : fallback();
}

function overlap(a: Rectangle, b: Rectangle): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function isRectangle(value: unknown): value is Rectangle {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return ['x', 'y', 'width', 'height'].every((k) => typeof r[k] === 'number' && Number.isFinite(r[k]) && Math.abs(r[k]) < 100_000);
}
