import { describe, expect, it } from 'vitest';
import { chooseThreads, parseCgroupV1Quota, parseCgroupV2CpuMax, usableCores, type FileReader } from '../../../electron/engine/threads';

const files =
  (map: Record<string, string>): FileReader =>
  (path) =>
    map[path] ?? null;

describe('cgroup CPU quota', () => {
  it('parses cgroup v2 cpu.max, rounding partial CPUs up', () => {
    expect(parseCgroupV2CpuMax('200000 100000\n')).toBe(2);
    expect(parseCgroupV2CpuMax('150000 100000')).toBe(2);
    expect(parseCgroupV2CpuMax('50000 100000')).toBe(1);
    expect(parseCgroupV2CpuMax('max 100000')).toBeNull();
    expect(parseCgroupV2CpuMax(null)).toBeNull();
    expect(parseCgroupV2CpuMax('garbage')).toBeNull();
  });

  it('parses cgroup v1 quota and period', () => {
    expect(parseCgroupV1Quota('300000\n', '100000\n')).toBe(3);
    expect(parseCgroupV1Quota('-1', '100000')).toBeNull();
    expect(parseCgroupV1Quota(null, '100000')).toBeNull();
  });

  it('takes the smallest of visible CPUs and quotas', () => {
    expect(usableCores({ availableParallelism: () => 16, readFile: files({ '/sys/fs/cgroup/cpu.max': '200000 100000' }) })).toBe(2);
    expect(usableCores({ availableParallelism: () => 16, readFile: files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '400000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }) })).toBe(4);
    expect(usableCores({ availableParallelism: () => 2, readFile: files({ '/sys/fs/cgroup/cpu.max': 'max 100000' }) })).toBe(2);
    expect(usableCores({ availableParallelism: () => 8, readFile: files({}) })).toBe(8);
  });
});

describe('thread choice', () => {
  const base = { requested: null, env: undefined, cores: 8, parameters: 1_000_000_000 };
  it('uses every usable core for real models', () => expect(chooseThreads(base)).toBe(8));
  it('uses one thread for tiny models', () => expect(chooseThreads({ ...base, parameters: 1_171_200 })).toBe(1));
  it('lets the load options win, then GLASSBOX_THREADS', () => {
    expect(chooseThreads({ ...base, requested: 3, env: '5' })).toBe(3);
    expect(chooseThreads({ ...base, env: '5' })).toBe(5);
    expect(chooseThreads({ ...base, env: 'zero' })).toBe(8);
    expect(chooseThreads({ ...base, env: '0' })).toBe(8);
  });
});
