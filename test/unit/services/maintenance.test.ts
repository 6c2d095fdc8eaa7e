import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PURGE_AFTER_MS, startStoreMaintenance } from '../../../electron/services/maintenance';
import type { Store } from '../../../electron/store/store';

function fakeStore(problems: string[] = []) {
  return {
    integrityCheck: vi.fn(() => problems),
    purgeDeleted: vi.fn(() => 0),
    backup: vi.fn(() => ({ fileName: 'b', createdAt: 0, bytes: 1 })),
  };
}

describe('store maintenance', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('purges at once, checks integrity and backs up later, off the start-up path', () => {
    const store = fakeStore();
    const stop = startStoreMaintenance(store as unknown as Store, { warn: vi.fn() });
    expect(store.purgeDeleted).toHaveBeenCalledWith(PURGE_AFTER_MS);
    expect(store.integrityCheck).not.toHaveBeenCalled();
    expect(store.backup).not.toHaveBeenCalled();
    vi.advanceTimersByTime(31_000);
    expect(store.integrityCheck).toHaveBeenCalledTimes(1);
    expect(store.backup).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(6 * 60 * 60 * 1000);
    expect(store.backup).toHaveBeenCalledTimes(2);
    stop();
    vi.advanceTimersByTime(24 * 60 * 60 * 1000);
    expect(store.backup).toHaveBeenCalledTimes(2);
  });

  it('reports problems and failures instead of throwing', () => {
    const store = fakeStore(['row 3 missing from index']);
    store.backup.mockImplementation(() => {
      throw new Error('disk full');
    });
    const warn = vi.fn();
    const stop = startStoreMaintenance(store as unknown as Store, { warn });
    vi.advanceTimersByTime(31_000);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('row 3 missing from index'));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('disk full'));
    stop();
  });
});
