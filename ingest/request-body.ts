/**
 * Reads an ingest request body as text chunks, without Express' body parser:
 * decompresses `Content-Encoding` gzip/deflate/br, decodes the charset named
 * in Content-Type (UTF-8 unless latin1/ASCII is named), and stops at a byte
 * limit on the decoded body (so a small compressed body cannot expand
 * without bound). Text is handed over chunk by chunk, so NDJSON can be
 * parsed while it arrives instead of being held whole.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/** Why a body cannot be read: a status, an error code and a message for the producer. */
export interface BodyProblem {
  status: 400 | 413 | 415;
  error: string;
  message: string;
}

/** Thrown (as a value with a code) when a body cannot be read. */
export class BodyError extends Error {
  constructor(readonly problem: BodyProblem) {
    super(problem.message);
  }
}

function charsetOf(contentType: string | undefined): BufferEncoding | BodyProblem {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  const charset = (match?.[1] ?? 'utf-8').toLowerCase();
  if (charset === 'utf-8' || charset === 'utf8') return 'utf8';
  if (charset === 'latin1' || charset === 'iso-8859-1' || charset === 'us-ascii' || charset === 'ascii') return 'latin1';
  return { status: 415, error: 'unsupported_encoding', message: `unsupported charset "${charset.slice(0, 40)}"; use utf-8` };
}

function decompressed(req: IncomingMessage): Readable | BodyProblem {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  switch (encoding) {
    case 'identity':
    case '':
      return req;
    case 'gzip':
    case 'x-gzip':
      return req.pipe(createGunzip());
    case 'deflate':
      return req.pipe(createInflate());
    case 'br':
      return req.pipe(createBrotliDecompress());
    default:
      return { status: 415, error: 'unsupported_encoding', message: `unsupported content encoding "${encoding.slice(0, 40)}"; use gzip, deflate, br or none` };
  }
}

/**
 * Calls `onText` with each decoded piece of the body, in order; resolves
 * when the body ended. Rejects with a BodyError for an unsupported charset
 * or encoding (415), a body over `maxBytes` (413) or a corrupt compressed
 * body (400).
 */
export async function readBodyText(req: IncomingMessage, maxBytes: number, onText: (text: string) => void): Promise<void> {
  const charset = charsetOf(req.headers['content-type']);
  if (typeof charset !== 'string') throw new BodyError(charset);
  const declared = Number(req.headers['content-length']);
  const tooLarge: BodyProblem = { status: 413, error: 'body_too_large', message: `body is larger than ${maxBytes} bytes` };
  if (Number.isFinite(declared) && declared > maxBytes && req.headers['content-encoding'] === undefined) throw new BodyError(tooLarge);
  const source = decompressed(req);
  if (!('pipe' in source)) throw new BodyError(source);
  const decoder = new StringDecoder(charset);
  let bytes = 0;
  // Plain 'data' events rather than an async iterator: cheaper per request.
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error): void => {
      source.removeAllListeners('data');
      if (source !== req) req.unpipe();
      // Drain what the client still sends, so the answer can be read on a kept-alive connection.
      req.resume();
      reject(error);
    };
    source.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) return fail(new BodyError(tooLarge));
      const text = decoder.write(chunk);
      if (text.length > 0) onText(text);
    });
    source.once('end', () => {
      const rest = decoder.end();
      if (rest.length > 0) onText(rest);
      resolve();
    });
    source.once('error', (error: Error) =>
      fail(source !== req ? new BodyError({ status: 400, error: 'bad_encoding', message: `body could not be decompressed: ${error.message}` }) : error),
    );
    if (source !== req) req.once('error', fail);
    req.once('aborted', () => fail(new Error('request aborted')));
  });
}
