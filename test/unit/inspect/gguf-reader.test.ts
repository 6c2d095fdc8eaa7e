import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGlassboxError } from '../../../electron/contract/errors';
import { allGgmlTypes, GgmlType, ggmlTypeName, tensorBytes } from '../../../electron/inspect/ggml-types';
import { GgufValueType, metaArray, metaNumber, readGgufHeader } from '../../../electron/inspect/gguf-reader';
import { encodeHeader, floatToHalf, kv, writeGguf, type WriterModel } from '../../fixtures/gguf-writer';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glassbox-gguf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const small: WriterModel = {
  metadata: [kv.str('general.architecture', 'llama'), kv.u32('llama.block_count', 1)],
  tensors: [
    { name: 'token_embd.weight', dims: [64, 10], type: GgmlType.Q8_0, fill: 'random' },
    { name: 'blk.0.attn_norm.weight', dims: [64], type: GgmlType.F32, fill: 'ones' },
  ],
};

async function expectInvalid(path: string, pattern: RegExp): Promise<void> {
  const error: unknown = await readGgufHeader(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(isGlassboxError(error, 'model-invalid'), String(error)).toBe(true);
  expect((error as Error).message).toMatch(pattern);
}

describe('GGUF header reader', () => {
  it('reads every metadata value type back, including nested arrays and 64-bit values', async () => {
    const path = join(dir, 'values.gguf');
    await writeGguf(path, {
      metadata: [
        kv.u8('t.u8', 200),
        { key: 't.i8', type: GgufValueType.INT8, value: -5 },
        { key: 't.u16', type: GgufValueType.UINT16, value: 65000 },
        { key: 't.i16', type: GgufValueType.INT16, value: -30000 },
        kv.u32('t.u32', 4_000_000_000),
        kv.i32('t.i32', -7),
        kv.f32('t.f32', 0.5),
        kv.bool('t.bool', true),
        kv.str('t.str', 'héllo ✓'),
        kv.u64('t.u64', 2n ** 60n),
        kv.u64('t.u64small', 42),
        kv.i64('t.i64', -(2n ** 62n)),
        kv.f64('t.f64', Math.PI),
        kv.arr('t.strs', GgufValueType.STRING, ['a', 'bb', '']),
        kv.arr('t.nested', GgufValueType.ARRAY, [
          { itemType: GgufValueType.INT32, length: 2, values: [1, 2] },
          { itemType: GgufValueType.STRING, length: 1, values: ['x'] },
        ]),
      ],
      tensors: [],
    });
    const info = await readGgufHeader(path);
    const value = (key: string): unknown => info.metadata.get(key)?.value;
    expect(value('t.u8')).toBe(200);
    expect(value('t.i8')).toBe(-5);
    expect(value('t.u16')).toBe(65000);
    expect(value('t.i16')).toBe(-30000);
    expect(value('t.u32')).toBe(4_000_000_000);
    expect(value('t.i32')).toBe(-7);
    expect(value('t.f32')).toBe(0.5);
    expect(value('t.bool')).toBe(true);
    expect(value('t.str')).toBe('héllo ✓');
    expect(value('t.u64')).toBe(2n ** 60n);
    expect(value('t.u64small')).toBe(42);
    expect(value('t.i64')).toBe(-(2n ** 62n));
    expect(value('t.f64')).toBe(Math.PI);
    expect(metaArray(info, 't.strs')?.values).toEqual(['a', 'bb', '']);
    const nested = metaArray(info, 't.nested');
    expect(nested?.values).toEqual([
      { itemType: GgufValueType.INT32, length: 2, values: [1, 2] },
      { itemType: GgufValueType.STRING, length: 1, values: ['x'] },
    ]);
    expect(info.metadata.get('t.u8')?.type).toBe(GgufValueType.UINT8);
  });

  it('skips large arrays unless asked, keeping their length', async () => {
    const path = join(dir, 'arrays.gguf');
    const tokens = Array.from({ length: 5000 }, (_, i) => `tok${i}`);
    await writeGguf(path, { metadata: [kv.arr('tokenizer.ggml.tokens', GgufValueType.STRING, tokens), kv.arr('ids', GgufValueType.INT32, tokens.map((_, i) => i))], tensors: [] });
    const skipped = await readGgufHeader(path);
    expect(metaArray(skipped, 'tokenizer.ggml.tokens')).toEqual({ itemType: GgufValueType.STRING, length: 5000, values: null });
    expect(metaArray(skipped, 'ids')?.values).toBeNull();
    const kept = await readGgufHeader(path, { keepArrays: ['tokenizer.ggml.tokens'] });
    expect(metaArray(kept, 'tokenizer.ggml.tokens')?.values?.[4999]).toBe('tok4999');
    expect(metaArray(kept, 'ids')?.values).toBeNull();
    expect(metaArray(await readGgufHeader(path, { keepArrays: 'all' }), 'ids')?.values?.[10]).toBe(10);
  });

  it('reads tensor infos, alignment and data offset', async () => {
    const path = join(dir, 'aligned.gguf');
    const written = await writeGguf(path, small, { alignment: 64 });
    const info = await readGgufHeader(path);
    expect(info.version).toBe(3);
    expect(info.alignment).toBe(64);
    expect(info.dataOffset).toBe(written.dataOffset);
    expect(info.dataOffset % 64).toBe(0);
    expect(info.tensors.map((t) => [t.name, t.dims, t.typeName, t.offset, t.bytes])).toEqual([
      ['token_embd.weight', [64, 10], 'Q8_0', 0, 2 * 34 * 10],
      ['blk.0.attn_norm.weight', [64], 'F32', 704, 256],
    ]);
    expect(info.tensors[1]?.fileOffset).toBe(info.dataOffset + 704);
    expect(info.fileSize).toBe(written.fileSize);
    // The random Q8_0 data really is there, with finite f16 scales.
    const bytes = await readFile(path);
    const scale = bytes.readUInt16LE(info.dataOffset);
    expect(scale & 0x7c00).not.toBe(0x7c00);
    expect(scale).not.toBe(0);
  });

  it('reads GGUF version 2 as well', async () => {
    const path = join(dir, 'v2.gguf');
    await writeGguf(path, small, { version: 2 });
    expect((await readGgufHeader(path)).version).toBe(2);
  });

  it('resumes across window boundaries for headers bigger than one read', async () => {
    const path = join(dir, 'big-header.gguf');
    // ~12 MB of strings: forces several window refills in the middle of an array.
    const strings = Array.from({ length: 300_000 }, (_, i) => `piece-${i}-${'x'.repeat(i % 50)}`);
    await writeGguf(path, { metadata: [kv.arr('tokenizer.ggml.merges', GgufValueType.STRING, strings), kv.u32('after', 7)], tensors: small.tensors });
    const info = await readGgufHeader(path);
    expect(metaArray(info, 'tokenizer.ggml.merges')?.length).toBe(300_000);
    expect(metaNumber(info, 'after')).toBe(7);
    expect(info.tensors).toHaveLength(2);
    const kept = await readGgufHeader(path, { keepArrays: 'all' });
    expect(metaArray(kept, 'tokenizer.ggml.merges')?.values?.[299_999]).toBe(strings[299_999]);
  });

  describe('refuses broken files with a model-invalid error that says why', () => {
    it('not a GGUF file', async () => {
      const path = join(dir, 'not.gguf');
      await writeFile(path, 'PK\u0003\u0004 this is a zip file, really');
      await expectInvalid(path, /not a GGUF model file.*50 4b 03 04/);
      await writeFile(path, 'GG');
      await expectInvalid(path, /not a GGUF model file \(only 2 bytes\)/);
    });

    it('unsupported and big-endian versions', async () => {
      const { header } = encodeHeader(small);
      const v1 = Buffer.from(header);
      v1.writeUInt32LE(1, 4);
      await writeFile(join(dir, 'v1.gguf'), v1);
      await expectInvalid(join(dir, 'v1.gguf'), /GGUF version 1; only versions 2 and 3/);
      const be = Buffer.from(header);
      be.writeUInt32BE(3, 4);
      await writeFile(join(dir, 'be.gguf'), be);
      await expectInvalid(join(dir, 'be.gguf'), /big-endian/);
    });

    it('a header cut short anywhere', async () => {
      const path = join(dir, 'cut.gguf');
      const { header } = encodeHeader(small);
      for (const length of [6, 16, 30, header.length - 30, header.length - 1]) {
        await writeFile(path, header.subarray(0, length));
        await expectInvalid(path, /file ends inside the GGUF header/);
      }
    });

    it('absurd counts and lengths, without allocating them', async () => {
      const { header } = encodeHeader(small);
      const counts = Buffer.from(header);
      counts.writeBigUInt64LE(2n ** 40n, 8); // tensor count
      await writeFile(join(dir, 'counts.gguf'), counts);
      await expectInvalid(join(dir, 'counts.gguf'), /tensor count is 1099511627776, more than the file/);

      const huge = Buffer.from(header);
      huge.writeBigUInt64LE(2n ** 62n, 24); // length of the first key
      await writeFile(join(dir, 'huge.gguf'), huge);
      await expectInvalid(join(dir, 'huge.gguf'), /absurdly large/);

      const long = Buffer.from(header);
      long.writeBigUInt64LE(2n ** 40n, 24);
      await writeFile(join(dir, 'long.gguf'), long);
      await expectInvalid(join(dir, 'long.gguf'), /claims 1099511627776 bytes; the header is corrupt/);

      const arrays = encodeHeader({ metadata: [kv.arr('a', GgufValueType.UINT32, [1, 2, 3])], tensors: [] }).header;
      // magic 4 + version 4 + counts 16 + key (8 + 1) + type 4 + item type 4 = 41: the array length.
      arrays.writeBigUInt64LE(2n ** 50n, 41);
      await writeFile(join(dir, 'array.gguf'), arrays);
      await expectInvalid(join(dir, 'array.gguf'), /length of array a is 1125899906842624/);
    });

    it('tensor data past the end of the file', async () => {
      const path = join(dir, 'short-data.gguf');
      const written = await writeGguf(path, small);
      await truncate(path, written.fileSize - 100);
      await expectInvalid(path, new RegExp(`truncated: expected ${written.fileSize} bytes, file has ${written.fileSize - 100}`));
    });

    it('too many dimensions and misaligned offsets', async () => {
      const { header } = encodeHeader({ metadata: [], tensors: [{ name: 'w', dims: [32], type: GgmlType.F32 }] });
      // magic 4 + version 4 + counts 16 + name (8 + 1) = 33: the dimension count.
      const dims = Buffer.from(header);
      dims.writeUInt32LE(9, 33);
      await writeFile(join(dir, 'dims.gguf'), dims);
      await expectInvalid(join(dir, 'dims.gguf'), /tensor w has 9 dimensions; GGUF allows at most 4/);

      const misaligned = Buffer.concat([header, Buffer.alloc(1000)]);
      misaligned.writeBigUInt64LE(3n, header.length - 8);
      await writeFile(join(dir, 'misaligned.gguf'), misaligned);
      await expectInvalid(join(dir, 'misaligned.gguf'), /data offset 3, which is not a multiple of the alignment 32/);
    });

    it('a missing file is not-found, not model-invalid', async () => {
      const error: unknown = await readGgufHeader(join(dir, 'nope.gguf')).catch((e: unknown) => e);
      expect(isGlassboxError(error, 'not-found')).toBe(true);
    });
  });
});

describe('GGML types', () => {
  it('knows block sizes of current types and names unknown ids', () => {
    expect(tensorBytes(GgmlType.Q4_K, [2048, 512])).toBe((2048 / 256) * 144 * 512);
    expect(tensorBytes(GgmlType.Q8_0, [64, 2])).toBe(2 * 34 * 2);
    expect(tensorBytes(GgmlType.F16, [3, 5])).toBe(30);
    expect(tensorBytes(GgmlType.Q4_0, [48])).toBeNull();
    expect(ggmlTypeName(39)).toBe('MXFP4');
    expect(ggmlTypeName(99)).toBe('type#99');
    expect(tensorBytes(99, [32])).toBeNull();
    const names = allGgmlTypes().map((t) => t.name);
    for (const name of ['Q4_1', 'Q5_0', 'Q5_1', 'Q8_1', 'Q2_K', 'Q3_K', 'Q5_K', 'Q6_K', 'Q8_K', 'IQ2_XXS', 'IQ1_M', 'IQ4_XS', 'BF16', 'TQ1_0', 'TQ2_0', 'MXFP4']) {
      expect(names).toContain(name);
    }
  });

  it('converts floats to half precision', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(0.5)).toBe(0x3800);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(0)).toBe(0);
    expect(floatToHalf(2 ** -24)).toBe(1);
  });
});
