import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../electron/models/catalogue';
import { resolveModelUri } from '../../../electron/models/downloader';
import { pullModel } from '../../../electron/models/library';
import { modelFileNameProblem } from '../../../electron/models/model-file-name';
import { glassboxErrorOf } from '../../fixtures/glassbox-error-of';
import { startModelServer, type ModelServer } from '../../fixtures/model-server';

// A download whose name climbs out of the models folder must not touch the file it aims at.
let root = '';
let models = '';
let victim = '';
let server: ModelServer;
const VICTIM_BYTES = 'the user profile: must survive\n';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'glassbox-names-'));
  models = join(root, 'a', 'b', 'models');
  mkdirSync(models, { recursive: true });
  victim = join(root, 'victim.gguf');
  server = await startModelServer();
});

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  writeFileSync(victim, VICTIM_BYTES);
  server.requests.length = 0;
});

// Last path segments of an https link, as a hostile page or catalogue would write them.
const HOSTILE_SEGMENTS: [string, string][] = [
  ['encoded slashes', '..%2F..%2F..%2Fvictim.gguf'],
  ['encoded dots and slash', '%2e%2e%2F%2e%2e%2F%2e%2e%2Fvictim.gguf'],
  ['dot-dot onto a dotfile', '..%2F..%2F..%2F.profile'],
  ['backslashes', '..%5C..%5C..%5Cvictim.gguf'],
  ['an absolute path', '{victim}'],
  ['a drive path', 'C%3A%5CUsers%5Cme%5Cvictim.gguf'],
  ['a NUL byte', 'victim.gguf%00.gguf'],
  ['a control character', 'vic%0Atim.gguf'],
  ['a name over 255 bytes', `${'é'.repeat(130)}.gguf`],
  ['a Windows device name', 'CON.gguf'],
  ['a Windows device name with two extensions', 'lpt1.q4.gguf'],
  ['a hidden file', '.gguf'],
  ['a name that is not .gguf', 'model.gguf.sh'],
  ['a malformed escape', 'model%E0%A4%A.gguf'],
];

describe('hostile model file names', () => {
  it.each(HOSTILE_SEGMENTS)('refuses %s before any request, leaving the target untouched', async (_label, pattern) => {
    const segment = pattern.replace('{victim}', encodeURIComponent(victim));
    // The server would happily send the bytes (not a GGUF, so the old code renamed them over the target, then deleted it).
    server.files.set(segment, { bytes: Buffer.from('#!/bin/sh\necho owned\n') });
    const error = await glassboxErrorOf(pullModel(`${server.endpoint}/u/r/resolve/main/${segment}`, models));
    expect(error.kind).toBe('invalid-argument');
    expect(server.requests).toEqual([]);
    expect(readFileSync(victim, 'utf8')).toBe(VICTIM_BYTES);
    expect(readdirSync(models)).toEqual([]);
    expect(existsSync(join(root, '.profile'))).toBe(false);
  });

  it('refuses hf: addresses with . or .. folders, and bad last segments', () => {
    expect(() => resolveModelUri('hf:u/r/sub/../../../victim.gguf', server.endpoint)).toThrow(/"\.\."/);
    expect(() => resolveModelUri('hf:u/r/AUX.gguf', server.endpoint)).toThrow(/device name/);
  });

  it('refuses a models folder entry that is a symlink to a file elsewhere (the download or its .part)', async () => {
    const bytes = Buffer.from('GGUF but not really');
    server.files.set('linked.gguf', { bytes });
    server.files.set('parted.gguf', { bytes });
    symlinkSync(victim, join(models, 'linked.gguf'));
    symlinkSync(victim, join(models, 'parted.gguf.part'));
    try {
      for (const name of ['linked.gguf', 'parted.gguf']) {
        const error = await glassboxErrorOf(pullModel(`${server.endpoint}/u/r/resolve/main/${name}`, models));
        expect(error.kind).toBe('invalid-argument');
        expect(error.message).toMatch(/not a plain file/);
      }
      expect(server.requests).toEqual([]);
      expect(readFileSync(victim, 'utf8')).toBe(VICTIM_BYTES);
    } finally {
      await rm(join(models, 'linked.gguf'));
      await rm(join(models, 'parted.gguf.part'));
    }
  });

  it('accepts ordinary names, and every catalogue entry has one', () => {
    expect(resolveModelUri(`${server.endpoint}/u/r/resolve/main/Llama-3.2-1B-Instruct-Q4_K_M.gguf`).fileName).toBe('Llama-3.2-1B-Instruct-Q4_K_M.gguf');
    expect(resolveModelUri(`${server.endpoint}/u/r/resolve/main/m%C3%A9lange%20v2.GGUF`).fileName).toBe('mélange v2.GGUF');
    expect(modelFileNameProblem(`${'a'.repeat(245)}.gguf`)).toBeNull();
    for (const model of CATALOGUE) {
      expect(modelFileNameProblem(model.fileName), model.fileName).toBeNull();
      expect(resolveModelUri(model.uri, server.endpoint).fileName).toBe(model.fileName);
    }
  });
});
