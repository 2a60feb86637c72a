/**
 * One rt service (ingest, processor or gateway) as a real child process on a
 * fixed port, so it can be SIGKILLed and restarted where clients expect it.
 */
import { freePort } from '../../support/free-port.js';
import { startRt, type RtProcess } from '../../support/rt-process.js';
import type { RssSampler } from './rss-sampler.js';

export type ServiceCommand = 'ingest' | 'processor' | 'gateway';

export class RtService {
  private process: RtProcess | undefined;
  private constructor(
    readonly command: ServiceCommand,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly rss?: RssSampler,
  ) {}

  static async start(command: ServiceCommand, env: Record<string, string>, rss?: RssSampler): Promise<RtService> {
    const service = new RtService(command, await freePort(), env, rss);
    await service.launch();
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get pid(): number | undefined {
    return this.process?.child.pid;
  }

  get running(): boolean {
    const child = this.process?.child;
    return Boolean(child && child.exitCode === null && child.signalCode === null);
  }

  private async launch(): Promise<void> {
    this.process = await startRt(this.command, ['--port', String(this.port)], this.env);
    this.rss?.watch(this.command, this.process.child.pid);
  }

  /** A crash: SIGKILL, no shutdown of any kind. */
  async kill(): Promise<void> {
    await this.process?.kill('SIGKILL');
  }

  /** SIGSTOP: the process hangs (a stalled processor lets acknowledged events pile up unprocessed). */
  pause(): void {
    this.process?.child.kill('SIGSTOP');
  }

  /** SIGCONT after `pause()`. */
  resume(): void {
    this.process?.child.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** The gateway's /healthz `gateway` stats, or undefined when it does not answer. */
  async gatewayStats(): Promise<{ connections: number } | undefined> {
    try {
      const body = (await (await fetch(`${this.url}/healthz`)).json()) as { gateway?: { connections: number } };
      return body.gateway;
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<void> {
    await this.process?.kill('SIGTERM');
  }

  output(): string {
    return this.process?.output() ?? '';
  }
}
