/**
 * Turns an ingest request body into candidate events: one JSON object, a JSON
 * array of them, or NDJSON (one object per line). Validation of each event is
 * `checkEvent`'s job; this only splits and parses.
 */

export type BodyFormat = 'json' | 'ndjson';

export type ParsedBody =
  | { ok: true; items: unknown[]; /** The body was one bare event object. */ single: boolean }
  | { ok: false; status: 400 | 415; error: string; message: string; line?: number };

/** Which format a Content-Type names, or null when it names none we accept. */
export function bodyFormat(contentType: string | undefined): BodyFormat | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type === '') return 'json';
  if (type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl') return 'ndjson';
  return null;
}

export function parseBody(text: string, format: BodyFormat): ParsedBody {
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return { ok: false, status: 400, error: 'bad_json', message: `body is not valid JSON: ${(error as Error).message}` };
    }
    return Array.isArray(parsed) ? { ok: true, items: parsed, single: false } : { ok: true, items: [parsed], single: true };
  }
  const items: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      return { ok: false, status: 400, error: 'bad_json', message: `line ${i + 1} is not valid JSON: ${(error as Error).message}`, line: i + 1 };
    }
  }
  return { ok: true, items, single: false };
}
