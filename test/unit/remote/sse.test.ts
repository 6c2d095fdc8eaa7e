import { describe, expect, it } from 'vitest';
import { readServerSentEvents, type EventVerdict } from '../../../electron/remote/sse';

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<string | Buffer> {
  for (const part of parts) yield part;
}

async function collect(parts: (string | Buffer)[], stopAt?: string): Promise<{ data: string[]; verdict: EventVerdict }> {
  const data: string[] = [];
  const verdict = await readServerSentEvents(chunks(...parts), (d) => {
    data.push(d);
    return d === stopAt ? 'done' : 'more';
  });
  return { data, verdict };
}

describe('readServerSentEvents', () => {
  it('joins an event split across chunks, with CRLF or LF line ends, and skips comments and empty data', async () => {
    const { data, verdict } = await collect([': keep-alive\r\n\r\ndata: {"a":', '1}\r\n\r\ndata:\n\nevent: x\ndata: two\n', '\n']);
    expect(data).toEqual(['{"a":1}', 'two']);
    expect(verdict).toBe('more');
  });

  it('keeps multi-line data as one event, lines joined by \\n', async () => {
    const { data } = await collect(['data: line one\ndata: line two\n\n']);
    expect(data).toEqual(['line one\nline two']);
  });

  it('stops at the event the handler calls done and reads no further', async () => {
    const { data, verdict } = await collect(['data: 1\n\ndata: [DONE]\n\ndata: after\n\n'], '[DONE]');
    expect(data).toEqual(['1', '[DONE]']);
    expect(verdict).toBe('done');
  });

  it('delivers a last event that lacks its closing blank line', async () => {
    const { data } = await collect(['data: first\n\n', 'data: last']);
    expect(data).toEqual(['first', 'last']);
  });

  it('decodes UTF-8 split inside a character across byte chunks', async () => {
    const bytes = Buffer.from('data: café ☕\n\n', 'utf8');
    const cut = bytes.indexOf(0xa9); // the second byte of é
    const { data } = await collect([bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(data).toEqual(['café ☕']);
  });

  it('lets a handler error through', async () => {
    const failing = readServerSentEvents(chunks('data: x\n\n'), () => {
      throw new Error('bad event');
    });
    await expect(failing).rejects.toThrow('bad event');
  });
});
