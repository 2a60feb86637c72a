/**
 * Peak resident memory of processes, sampled from /proc/<pid>/status. A
 * process's own VmHWM dies with it, so processes that get SIGKILLed are
 * sampled periodically and the peak is kept per role across restarts.
 */
import { readFileSync } from 'node:fs';

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // gone between the listing and the read
  }
}

export class RssSampler {
  private readonly pids = new Map<number, string>();
  private readonly peaks = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 200) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Starts watching `pid` under `role` (several processes may share a role). */
  watch(role: string, pid: number | undefined): void {
    if (pid !== undefined) this.pids.set(pid, role);
  }

  private sample(): void {
    for (const [pid, role] of this.pids) {
      const kib = Math.max(statusKiB(pid, 'VmRSS'), statusKiB(pid, 'VmHWM'));
      if (kib > (this.peaks.get(role) ?? 0)) this.peaks.set(role, kib);
    }
  }

  /** Peak RSS of a role in MiB (largest single process), 0 when never seen. */
  peakMiB(role: string): number {
    this.sample();
    return Math.round(((this.peaks.get(role) ?? 0) / 1024) * 10) / 10;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
