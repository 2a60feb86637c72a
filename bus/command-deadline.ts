/**
 * Queue deadlines for Redis commands without a timer per command.
 *
 * node-redis gives every command a queue timeout (5 s by default: a command
 * still unwritten by then, because the connection is down, is rejected)
 * through an `AbortSignal.timeout()` of its own. Each such signal holds a
 * timer, a WeakRef and a FinalizationRegistry entry that outlive the command
 * until a full garbage collection; a gateway whose 10 000 clients subscribe
 * (two commands per topic) grew its heap by several kilobytes per connection
 * in them alone (see docs/benchmarks.md, idle connections).
 *
 * Here every command issued within one slot of `slotMs` shares one
 * AbortController, aborted `timeoutMs + slotMs` after the slot began: each
 * command keeps the same rule (rejected if still unwritten) after between
 * `timeoutMs` and `timeoutMs + slotMs`, and a busy process holds one timer per
 * slot instead of one per command. node-redis rejects such a command with its
 * AbortError ("The command was aborted") instead of a TimeoutError.
 */
import { setMaxListeners } from 'node:events';

/** node-redis' own default queue timeout (DEFAULT_COMMAND_TIMEOUT). */
export const DEFAULT_QUEUE_TIMEOUT_MS = 5000;
const DEFAULT_SLOT_MS = 250;

/** The node-redis command options a deadline sets (a subset of its CommandOptions). */
export interface DeadlineOptions {
  /** 0: no per-command timer of node-redis' own. */
  readonly timeout: number;
  readonly abortSignal: AbortSignal;
}

function abort(controller: AbortController): void {
  controller.abort();
}

export class CommandDeadlines {
  private current: DeadlineOptions | null = null;
  private slotEnd = 0;

  constructor(
    private readonly timeoutMs = DEFAULT_QUEUE_TIMEOUT_MS,
    private readonly slotMs = DEFAULT_SLOT_MS,
  ) {
    if (!(timeoutMs > 0) || !(slotMs > 0)) throw new RangeError(`command deadlines need a positive timeout and slot (got ${timeoutMs} ms and ${slotMs} ms)`);
  }

  /** Options to pass with a command issued now (`client.sendCommand(args, deadlines.next())`). */
  next(now = Date.now()): DeadlineOptions {
    if (this.current === null || now >= this.slotEnd) {
      const controller = new AbortController();
      // Every command of the slot listens on it (node-redis removes each listener once the command is written).
      setMaxListeners(0, controller.signal);
      // Timers never fire early: by the time it aborts, this slot has ended and no later command gets its signal.
      setTimeout(abort, this.timeoutMs + this.slotMs, controller).unref();
      this.current = { timeout: 0, abortSignal: controller.signal };
      this.slotEnd = now + this.slotMs;
    }
    return this.current;
  }
}
