/**
 * Turns an ingest request body into candidate events: one JSON object, a JSON
 * array of them, or NDJSON (one object per line). Validation of each event is
 * `checkEvent`'s job; this only splits and parses. NDJSON is parsed line by
 * line as text arrives (`NdjsonParser`), so a large body is never held whole.
 */

export type BodyFormat = 'json' | 'ndjson';

export type ParsedBody =
  | { ok: true; items: unknown[]; /** The body was one bare event object. */ single: boolean }
  | { ok: false; status: 400 | 413 | 415; error: string; message: string; line?: number };

/** Which format a Content-Type names, or null when it names none we accept. */
export function bodyFormat(contentType: string | undefined): BodyFormat | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type === '') return 'json';
  if (type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl') return 'ndjson';
  return null;
}

/** Parses a whole JSON body: one event object or an array of them. */
export function parseJson(text: string): ParsedBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, status: 400, error: 'bad_json', message: `body is not valid JSON: ${(error as Error).message}` };
  }
  return Array.isArray(parsed) ? { ok: true, items: parsed, single: false } : { ok: true, items: [parsed], single: true };
}

/**
 * Incremental NDJSON: `push` text as it arrives, `end` when the body ended.
 * Each complete line is parsed at once; blank lines and CRLF are ignored.
 * After the first problem, further text is ignored.
 */
export class NdjsonParser {
  readonly items: unknown[] = [];
  problem: Extract<ParsedBody, { ok: false }> | null = null;
  private rest = '';
  private line = 0;

  constructor(private readonly maxItems: number) {}

  push(text: string): void {
    if (this.problem) return;
    let start = 0;
    const chunk = this.rest.length > 0 ? this.rest + text : text;
    for (;;) {
      const newline = chunk.indexOf('\n', start);
      if (newline < 0) break;
      this.parseLine(chunk.slice(start, newline));
      if (this.problem) return;
      start = newline + 1;
    }
    this.rest = chunk.slice(start);
  }

  end(): ParsedBody {
    if (!this.problem && this.rest.length > 0) this.parseLine(this.rest);
    this.rest = '';
    return this.problem ?? { ok: true, items: this.items, single: false };
  }

  private parseLine(line: string): void {
    this.line++;
    if (line.length === 0 || (line.length === 1 && line === '\r')) return;
    // JSON.parse skips surrounding whitespace (CR included) itself: no trim on the hot path.
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch (error) {
      if (line.trim() === '') return;
      this.problem = { ok: false, status: 400, error: 'bad_json', message: `line ${this.line} is not valid JSON: ${(error as Error).message}`, line: this.line };
      return;
    }
    if (this.items.length === this.maxItems) {
      this.problem = { ok: false, status: 413, error: 'too_many_events', message: `more than ${this.maxItems} events in one request` };
      return;
    }
    this.items.push(item);
  }
}

/** Parses a whole body of either format (for callers that already hold the text). */
export function parseBody(text: string, format: BodyFormat, maxItems = Number.MAX_SAFE_INTEGER): ParsedBody {
  if (format === 'json') return parseJson(text);
  const parser = new NdjsonParser(maxItems);
  parser.push(text);
  return parser.end();
}
