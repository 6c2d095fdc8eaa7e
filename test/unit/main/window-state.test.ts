import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWindowState, placeWindow, saveWindowState } from '../../../electron/main/window-state';

const screen = { x: 0, y: 0, width: 1920, height: 1080 };

describe('window state', () => {
  it('round-trips through its file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gb-win-')), 'window-state.json');
    saveWindowState(file, { bounds: { x: 10, y: 20, width: 1100, height: 750 }, maximized: true });
    expect(loadWindowState(file)).toEqual({ bounds: { x: 10, y: 20, width: 1100, height: 750 }, maximized: true });
  });

  it('ignores a missing, corrupt or implausible file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gb-win-'));
    expect(loadWindowState(join(dir, 'missing.json'))).toBeNull();
    writeFileSync(join(dir, 'bad.json'), '{"bounds": {"x": "a"}}');
    expect(loadWindowState(join(dir, 'bad.json'))).toBeNull();
    writeFileSync(join(dir, 'huge.json'), '{"bounds": {"x": 1e9, "y": 0, "width": 1, "height": 1}}');
    expect(loadWindowState(join(dir, 'huge.json'))).toBeNull();
  });

  it('reopens where it was when that place is still on a screen', () => {
    const saved = { bounds: { x: 100, y: 50, width: 1200, height: 800 }, maximized: false };
    expect(placeWindow(saved, [screen])).toEqual(saved);
  });

  it('comes back to the primary screen when its monitor is gone', () => {
    const placed = placeWindow({ bounds: { x: 3000, y: 0, width: 1200, height: 800 }, maximized: false }, [screen]);
    expect(placed.bounds.x).toBeGreaterThanOrEqual(0);
    expect(placed.bounds.x + placed.bounds.width).toBeLessThanOrEqual(1920);
  });

  it('never opens smaller than the layout needs', () => {
    const placed = placeWindow({ bounds: { x: 0, y: 0, width: 300, height: 200 }, maximized: false }, [screen]);
    expect(placed.bounds.width).toBeGreaterThanOrEqual(1024);
    expect(placed.bounds.height).toBeGreaterThanOrEqual(700);
  });

  it('centres a first window at the default size', () => {
    expect(placeWindow(null, [screen]).bounds).toEqual({ x: 320, y: 130, width: 1280, height: 820 });
  });
});
