/**
 * Runs the real `rt` command as a child process for multi-process and fault
 * tests, and kills it by pid (SIGKILL for crashes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RT = fileURLToPath(new URL('../../bin/rt.js', import.meta.url));

export interface RtProcess {
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `rt <command> [args]` and resolves once it printed its start-up
 * banner ("rt <command> running").
 */
export async function startRt(command: string, args: string[], env: Record<string, string>): Promise<RtProcess> {
  const child = spawn(process.execPath, [RT, command, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rt ${command} did not start:\n${out}`)), 15_000);
    const check = (): void => {
      if (out.includes(`rt ${command} running`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rt ${command} exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
