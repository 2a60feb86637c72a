/** The command line every peer server takes: `--port N --redis URL`, and how it says it is ready. */
import { parseArgs } from 'node:util';

export function peerArgs(): { port: number; redisUrl: string; coalesce: boolean } {
  const { values } = parseArgs({ options: { port: { type: 'string' }, redis: { type: 'string' }, coalesce: { type: 'boolean' } } });
  if (!values.port || !values.redis) throw new Error('usage: --port N --redis redis://host:port');
  return { port: Number(values.port), redisUrl: values.redis, coalesce: Boolean(values.coalesce) };
}

/** Printed once the server accepts connections; the bench waits for it. */
export function announceReady(port: number): void {
  process.stdout.write(`listening ${port}\n`);
}
