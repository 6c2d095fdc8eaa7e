import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** What a handler tells the reader after each event: keep reading, or the stream's answer is complete. */
export type EventVerdict = 'more' | 'done';

/**
 * Reads a server-sent event stream (parsed by eventsource-parser, which follows the WHATWG rules
 * for fields, line endings and multi-line data) and hands each event's data to `onData` in order,
 * until it says 'done' or the stream ends. `afterRead` runs once the events of each chunk read from
 * the body have been handled, except the chunk that ends the stream (the caller sees the return):
 * the remote engine hands on one read's tokens as one batch. A last event without its closing blank
 * line is still delivered: some servers end the stream right after it. Errors from `onData`
 * propagate; errors of the stream itself (reset, closed socket) propagate too, for the caller to
 * classify.
 */
export async function readServerSentEvents(
  body: AsyncIterable<string | Buffer>,
  onData: (data: string) => EventVerdict,
  afterRead: () => void = () => {},
): Promise<EventVerdict> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  // Events are handled after each feed, not inside the parser's callback, so that a handler's
  // error or 'done' never leaves the parser half-way through a chunk.
  const drain = (): EventVerdict => {
    while (pending.length > 0) {
      const event = pending.shift();
      if (event !== undefined && event.data !== '' && onData(event.data) === 'done') return 'done';
    }
    return 'more';
  };
  for await (const chunk of body) {
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (drain() === 'done') return 'done';
    afterRead();
  }
  // A blank line ends the last event if the server did not (the parser's reset({consume}) ends
  // only the line, which does not dispatch it).
  parser.feed(`${decoder.decode()}\n\n`);
  return drain();
}
