/**
 * The message bus that ties ingest → processor → gateway, as three roles:
 * the ingest log (ingest appends, the processor consumes), coordination
 * (leases and presence among processors) and the broker (the processor
 * publishes, the gateway subscribes and replays). Each role has two engines,
 * Redis (node-redis; scale-out) and memory (single process, the default), and
 * its own contract suite. A `Bus` is one engine's set of the three, sharing
 * its connections.
 */
import type { Broker } from './broker.js';
import type { Coordination } from './coordination.js';
import type { IngestLog } from './ingest-log.js';
import type { ProcessorState } from './processor-state.js';

export type { Broker, HistoryEntry, HistoryRange, PublishRequest, TopicListener, TopicPosition } from './broker.js';
export type { Coordination } from './coordination.js';
export type { IngestEntry, IngestEvent, IngestLog, ReadOptions } from './ingest-log.js';
export type { DeadLetter, ProcessorState, StoredDeadLetter } from './processor-state.js';

export interface Bus {
  readonly ingest: IngestLog;
  readonly coordination: Coordination;
  readonly broker: Broker;
  /** Window checkpoints and dead letters of the processor. */
  readonly state: ProcessorState;

  /** True while the bus can serve requests (for /healthz). */
  healthy(): boolean;

  /** Closes connections; pending reads resolve empty. */
  close(): Promise<void>;
}
