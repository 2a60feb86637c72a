/**
 * The in-memory bus: the three roles' memory engines in one process. It is
 * what `rt start` uses when REDIS_URL is unset.
 */
import type { Bus } from './bus.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryCoordination } from './memory-coordination.js';
import { MemoryIngestLog } from './memory-ingest-log.js';
import { MemoryProcessorState } from './memory-processor-state.js';
import type { RetentionPolicy } from './retention.js';

export interface MemoryBusOptions {
  /** Ingest stream partitions (default 4). */
  partitions?: number;
  /** Hard cap of entries per topic history, above any retention (default 1 000 000). */
  historyMaxLen?: number;
  /** Per-topic history retention (default: 10 000 messages or 10 minutes, whichever keeps more). */
  retention?: RetentionPolicy;
}

export class MemoryBus implements Bus {
  readonly ingest: MemoryIngestLog;
  readonly coordination: MemoryCoordination;
  readonly broker: MemoryBroker;
  readonly state: MemoryProcessorState;

  constructor(options: MemoryBusOptions = {}) {
    this.ingest = new MemoryIngestLog(options);
    this.coordination = new MemoryCoordination();
    this.broker = new MemoryBroker(options);
    this.state = new MemoryProcessorState(this.ingest);
  }

  healthy(): boolean {
    return this.ingest.isOpen;
  }

  async close(): Promise<void> {
    await Promise.all([this.ingest.close(), this.broker.close()]);
  }
}
