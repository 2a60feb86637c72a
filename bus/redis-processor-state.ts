/**
 * The processor state on Redis: a partition's window checkpoint is a string
 * key in the partition's hash tag, written by the same script that
 * acknowledges the entries (COMMIT), and dead letters are one capped stream.
 */
import type { KeyNames } from './keys.js';
import type { DeadLetter, ProcessorState, StoredDeadLetter } from './processor-state.js';
import type { RedisLink } from './redis-connection.js';
import { COMMIT, runScript } from './redis-scripts.js';

/** Lua's unpack() takes a few thousand values at most; larger acks go in slices. */
const MAX_IDS_PER_COMMIT = 4000;

export class RedisProcessorState implements ProcessorState {
  constructor(
    private readonly link: RedisLink,
    private readonly keys: KeyNames,
    private readonly deadLetterMaxLen = 10_000,
  ) {}

  async checkpoint(group: string, partition: number): Promise<string | null> {
    return (await this.link.commands.sendCommand(['GET', this.keys.windows(partition, group)])) as string | null;
  }

  async commit(owner: string, group: string, partition: number, ids: readonly string[], checkpoint: string | null): Promise<boolean> {
    const keys = [this.keys.ingest(partition), this.keys.windows(partition, group), this.keys.lease(partition)];
    // Earlier slices only acknowledge; the last one carries the checkpoint, so a
    // checkpoint is never stored ahead of the acknowledgements it covers.
    for (let i = MAX_IDS_PER_COMMIT; i < ids.length; i += MAX_IDS_PER_COMMIT) {
      if ((await runScript(this.link.commands, COMMIT, keys, [owner, group, '', ...ids.slice(i - MAX_IDS_PER_COMMIT, i)])) !== 1) return false;
    }
    const from = Math.max(0, Math.ceil(ids.length / MAX_IDS_PER_COMMIT) - 1) * MAX_IDS_PER_COMMIT;
    return (await runScript(this.link.commands, COMMIT, keys, [owner, group, checkpoint ?? '', ...ids.slice(from)])) === 1;
  }

  async deadLetter(letters: readonly DeadLetter[]): Promise<void> {
    await Promise.all(
      letters.map((l) =>
        this.link.commands.sendCommand(['XADD', this.keys.deadLetters(), 'MAXLEN', '~', String(this.deadLetterMaxLen), '*', 'code', l.code, 'reason', l.reason, 'partition', String(l.partition), 'id', l.id, 'entry', l.entry]),
      ),
    );
  }

  async deadLetters(count: number): Promise<StoredDeadLetter[]> {
    const reply = (await this.link.commands.sendCommand(['XREVRANGE', this.keys.deadLetters(), '+', '-', 'COUNT', String(count)])) as [string, string[]][];
    return reply.reverse().map(([deadLetterId, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
      return { deadLetterId, code: f.code, reason: f.reason, partition: Number(f.partition), id: f.id, entry: f.entry };
    });
  }
}
