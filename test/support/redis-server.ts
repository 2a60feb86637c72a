/**
 * Starts a real redis-server (from PATH) on a free port for one test file and
 * stops it afterwards. No persistence unless asked; never the machine's
 * shared 6379. Fault tests kill it (SIGKILL) and start it again on the same
 * port and directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { freePort } from './free-port.js';

export interface TestRedis {
  url: string;
  port: number;
  /** Its working directory (AOF files live there). */
  dir: string;
  process: ChildProcess;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
  /** SIGKILLs it, keeping its directory (for a restart on the same port). */
  kill(): Promise<void>;
}

export interface RedisOptions {
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Working directory to reuse (default: a new temporary one). */
  dir?: string;
  /** Append-only file with `appendfsync always`: nothing acknowledged is lost by a crash. */
  aof?: boolean;
  /** More `redis-server` arguments. */
  args?: string[];
}

export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'rt-redis-'));
  const persistence = options.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir, ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}:\n${out}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${out}`));
    });
  });
  child.stdout!.resume();
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    }
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: child,
    async stop() {
      await end('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => end('SIGKILL'),
  };
}

/** Sends one command to the Redis (or Sentinel) on `port` over a connection of its own, and closes it. */
export async function redisCommand(port: number, args: string[]): Promise<unknown> {
  const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false }, RESP: 2 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.sendCommand(args);
  } finally {
    client.destroy();
  }
}
