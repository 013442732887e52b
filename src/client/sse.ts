/** One Server-Sent Events message. */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
  /** The `id` field of this message, when it had one. */
  readonly id: string | undefined;
}

/**
 * An incremental parser of a `text/event-stream` body as the HTML standard defines it: feed it text as it
 * arrives, it calls `onMessage` for every complete message (comments and empty messages are skipped).
 */
export function createSseParser(onMessage: (message: SseMessage) => void): (chunk: string) => void {
  let pending = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  let afterCarriageReturn = false;
  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0) onMessage({ event: event === '' ? 'message' : event, data: data.join('\n'), id });
      event = '';
      data = [];
      id = undefined;
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) id = value;
  };
  return (chunk) => {
    let text = chunk;
    // A CR LF split across two chunks is one line break.
    if (afterCarriageReturn && text.startsWith('\n')) text = text.slice(1);
    afterCarriageReturn = false;
    pending += text;
    let start = 0;
    for (let index = 0; index < pending.length; index++) {
      const char = pending[index];
      if (char !== '\n' && char !== '\r') continue;
      line(pending.slice(start, index));
      if (char === '\r') {
        if (index + 1 === pending.length) afterCarriageReturn = true;
        else if (pending[index + 1] === '\n') index++;
      }
      start = index + 1;
    }
    pending = pending.slice(start);
  };
}
