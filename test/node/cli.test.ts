/**
 * The real `rt` command, spawned as a child process: help, refusals of bad
 * usage with exit code 2 and a one-line reason (never a stack trace), and a
 * processor that keeps retrying an unreachable Redis instead of dying.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { CONFIG_KEYS } from '../../bin/config.js';
import { freePort } from '../support/free-port.js';

const RT = fileURLToPath(new URL('../../bin/rt.js', import.meta.url));

/** Every child spawned here, so `after` can kill any that outlived its test. */
const children = new Set<ChildProcess>();

function kill(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

after(() => {
  for (const child of children) kill(child);
});

/** The parent's environment without any rt setting, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const spec of CONFIG_KEYS) delete env[spec.env];
  return { ...env, ...extra };
}

interface Run {
  child: ChildProcess;
  /** stdout and stderr so far. */
  out: { stdout: string; stderr: string };
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [RT, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out.stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out.stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, out, exited };
}

/** Runs `rt args` to completion (killed after `timeoutMs`) and returns its exit code and output. */
async function rt(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = start(args, env);
  const timer = setTimeout(() => kill(run.child), timeoutMs);
  try {
    const { code, signal } = await run.exited;
    assert.equal(signal, null, `rt ${args.join(' ')} did not exit within ${timeoutMs} ms; output: ${run.out.stdout}${run.out.stderr}`);
    return { code, ...run.out };
  } finally {
    clearTimeout(timer);
  }
}

/** Asserts a usage refusal: exit 2, nothing on stdout, a short `rt:` reason on stderr and no stack trace. */
function assertRefused(result: { code: number | null; stdout: string; stderr: string }, reason: RegExp): string {
  assert.equal(result.code, 2, `exit code; stderr: ${result.stderr}`);
  assert.equal(result.stdout, '', 'nothing on stdout');
  const lines = result.stderr.trimEnd().split('\n');
  assert.match(lines[0], /^rt: /);
  assert.match(lines[0], reason);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  assert.ok(lines.length <= 2, `a short message, got:\n${result.stderr}`);
  return lines[0];
}

describe('rt --help', () => {
  test('exits 0 and lists every command and every option with its environment variable', async () => {
    const { code, stdout, stderr } = await rt(['--help']);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    assert.match(stdout, /^Usage: rt <command> \[options\]/);
    for (const command of ['start', 'ingest', 'processor', 'gateway']) assert.match(stdout, new RegExp(`^  ${command} `, 'm'), command);
    for (const spec of CONFIG_KEYS) {
      assert.ok(stdout.includes(`--${spec.flag}`), `--${spec.flag} missing`);
      assert.ok(stdout.includes(spec.env), `${spec.env} missing`);
    }
    assert.match(stdout, /-h, --help/);
  });

  test('-h and "rt help" print the same help', async () => {
    const long = await rt(['--help']);
    const short = await rt(['-h']);
    const word = await rt(['help']);
    assert.equal(short.code, 0, short.stderr);
    assert.equal(word.code, 0, word.stderr);
    assert.equal(short.stdout, long.stdout);
    assert.equal(word.stdout, long.stdout);
  });

  test('no command at all prints the usage on stderr and exits 2', async () => {
    const { code, stdout, stderr } = await rt([]);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /^Usage: rt/);
    assert.equal(stdout, "");
  });
});

describe('rt refuses bad usage with exit code 2 and a one-line reason', () => {
  test('an unknown flag is named in a one-line error, with a pointer to --help', async () => {
    const result = await rt(['start', '--bogus-flag']);
    assertRefused(result, /--bogus-flag/);
    assert.match(result.stderr, /rt --help/);
  });

  test('a known option without its value is refused', async () => {
    assertRefused(await rt(['start', '--port']), /--port/);
  });

  test('an unknown command is named, with the list of commands', async () => {
    const line = assertRefused(await rt(['deploy']), /unknown command "deploy"/);
    assert.match(line, /start, ingest, processor, gateway/);
  });

  test('rt loadgen refuses a bad option with its code and the flag, exit 2', async () => {
    const result = await rt(['loadgen', '--clients', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--clients must be an integer .*\[LOADGEN_BAD_OPTION\]/);
  });

  test('more than one command is refused', async () => {
    assertRefused(await rt(['start', 'gateway']), /expected one command/);
  });

  for (const command of ['gateway', 'processor', 'ingest']) {
    test(`rt ${command} without REDIS_URL says to set REDIS_URL or use rt start`, async () => {
      const line = assertRefused(await rt([command]), /REDIS_URL/);
      assert.match(line, /rt start/);
    });
  }

  test('PORT=abc rt start names PORT and the accepted range', async () => {
    const line = assertRefused(await rt(['start'], { PORT: 'abc' }), /PORT/);
    assert.match(line, /0 to 65535/);
  });

  test('--redis with an http:// URL names --redis and redis://', async () => {
    const line = assertRefused(await rt(['gateway', '--redis', 'http://localhost:6379']), /--redis/);
    assert.match(line, /redis:\/\//);
  });

  test('a bad origin in RT_ALLOWED_ORIGINS is named', async () => {
    assertRefused(await rt(['start'], { RT_ALLOWED_ORIGINS: 'example.com' }), /RT_ALLOWED_ORIGINS.*"example\.com"/);
  });

  test('rt start on a port already in use says so, naming the port', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(0, '127.0.0.1', () => resolve());
    });
    try {
      const port = (blocker.address() as { port: number }).port;
      const result = await rt(['start', '--port', String(port), '--host', '127.0.0.1', '--log-level', 'silent']);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`^rt: port ${port} on 127\\.0\\.0\\.1 is already in use`, 'm'));
      assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('rt processor with Redis unreachable', () => {
  test('reports "unreachable ... retrying" within seconds and keeps running', async () => {
    const port = await freePort();
    const run = start(['processor'], { REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      const output = (): string => run.out.stdout + run.out.stderr;
      const retries = (): number => output().match(/unreachable.*retrying/g)?.length ?? 0;
      const deadline = Date.now() + 10_000;
      // Two reports prove it is retrying, not reporting once on its way out.
      while (retries() < 2 && run.child.exitCode === null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(retries() >= 2, `expected repeated "unreachable ... retrying" reports; output:\n${output()}`);
      assert.match(output(), new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port}/? unreachable`));
      assert.equal(run.child.exitCode, null, 'the processor is still running');
      assert.equal(run.child.signalCode, null);
    } finally {
      kill(run.child);
      const { signal } = await run.exited;
      assert.equal(signal, 'SIGKILL', 'it was still running when killed');
    }
  });
});
