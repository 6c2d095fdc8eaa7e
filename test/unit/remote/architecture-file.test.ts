import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls as API } from '../../../electron/contract/api';
import { EndpointService } from '../../../electron/remote/endpoints';
import { MemorySecrets } from '../../../electron/remote/secrets';
import { writeGguf } from '../../fixtures/gguf-writer';
import { presetModel } from '../../fixtures/synthetic-models';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-remote-arch-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function service(settings = new Map<string, string>()): EndpointService {
  const store = { getSetting: (k: string) => settings.get(k) ?? null, setSetting: (k: string, v: string) => void settings.set(k, v) };
  return new EndpointService(store, new MemorySecrets());
}

const QWEN_CONFIG = {
  model_type: 'qwen2',
  architectures: ['Qwen2ForCausalLM'],
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 256,
  max_position_embeddings: 512,
  tie_word_embeddings: true,
};

describe('remote endpoints: architecture from a file', () => {
  it('keeps a config.json path, describes it with the server context, and forgets it', async () => {
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify(QWEN_CONFIG));
    const settings = new Map<string, string>();
    const endpoints = service(settings);
    const saved = endpoints.save({ name: 'S', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', contextLength: 100 });
    expect(saved.architectureFile).toBeNull();
    expect(await endpoints.architecture(saved.id)).toBeNull();

    const withFile = await endpoints.setArchitectureFile(saved.id, config);
    expect(withFile.architectureFile).toBe(config);
    // A fresh service reads the path back from the setting; editing the endpoint keeps it.
    const again = service(settings);
    expect(again.save({ id: saved.id, name: 'S2', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' }).architectureFile).toBe(config);
    const d = await again.architecture(saved.id);
    expect(d?.architecture).toBe('qwen2');
    expect(d?.file.path).toBe(config);
    expect(d?.kvCache.contextLength).toBe(100);
    expect(API['endpoints.architecture'].result.safeParse(d).success).toBe(true);

    expect((await again.setArchitectureFile(saved.id, null)).architectureFile).toBeNull();
    expect(await again.architecture(saved.id)).toBeNull();
  });

  it('reads a GGUF header too', async () => {
    const gguf = join(dir, 'tiny.gguf');
    await writeGguf(gguf, presetModel('llama'), { mode: 'sparse' });
    const endpoints = service();
    const { id } = endpoints.save({ name: 'S', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' });
    await endpoints.setArchitectureFile(id, gguf);
    expect((await endpoints.architecture(id))?.dominantType).toBe('F32');
  });

  it('refuses a file that is not a model and an unknown endpoint, keeping what was there', async () => {
    const notes = join(dir, 'package.json');
    await writeFile(notes, JSON.stringify({ name: 'x', version: '1.0.0' }));
    const endpoints = service();
    const { id } = endpoints.save({ name: 'S', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' });
    await expect(endpoints.setArchitectureFile(id, notes)).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringMatching(/package\.json is not a Hugging Face model config/) as unknown,
    });
    await expect(endpoints.setArchitectureFile(id, join(dir, 'nope.gguf'))).rejects.toMatchObject({ kind: 'not-found' });
    expect(endpoints.get(id)?.architectureFile).toBeNull();
    await expect(endpoints.setArchitectureFile('missing', notes)).rejects.toMatchObject({ kind: 'not-found' });
    await expect(endpoints.architecture('missing')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('reads endpoints saved before the field existed', () => {
    const settings = new Map([['remote.endpoints', JSON.stringify([{ id: 'a', name: 'A', baseUrl: 'http://h/v1', model: 'm', contextLength: null }])]]);
    expect(service(settings).list()[0]?.architectureFile).toBeNull();
  });

  it('validates the call arguments', () => {
    const args = API['endpoints.setArchitectureFile'].args;
    expect(args.safeParse({ id: 'a', path: ' /m/config.json ' }).data).toEqual({ id: 'a', path: '/m/config.json' });
    expect(args.safeParse({ id: 'a', path: null }).success).toBe(true);
    expect(args.safeParse({ id: 'a', path: '' }).success).toBe(false);
    expect(args.safeParse({ id: 'a', path: '/x', extra: 1 }).success).toBe(false);
  });
});
