/**
 * Prometheus metrics (prom-client) for whatever roles this process runs. The
 * services keep plain counters; this reads them at scrape time, so nothing
 * on the message path touches prom-client.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { Bus } from '../bus/index.js';
import type { GatewayHistograms, GatewayStats, Histogram } from '../gateway/index.js';
import type { IngestStats } from '../ingest/index.js';
import type { ProcessorStats } from '../processor/index.js';

export interface MetricSources {
  bus: Bus;
  gateway?: () => GatewayStats;
  gatewayHistograms?: GatewayHistograms;
  ingest?: IngestStats;
  processor?: ProcessorStats;
}

/** A counter whose total is kept elsewhere and read when scraped. */
function total(register: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [register],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function gauge(register: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [register],
    collect() {
      this.set(read());
    },
  });
}

/** A metric per ingest partition (label `partition`), read when scraped. */
function perPartition(register: Registry, kind: 'gauge' | 'counter', name: string, help: string, read: () => number[]): void {
  const options = { name, help, labelNames: ['partition'] as const, registers: [register] };
  if (kind === 'gauge') {
    new Gauge({
      ...options,
      collect() {
        read().forEach((value, p) => this.set({ partition: String(p) }, value));
      },
    });
  } else {
    new Counter({
      ...options,
      collect() {
        this.reset();
        read().forEach((value, p) => this.inc({ partition: String(p) }, value));
      },
    });
  }
}

/**
 * Exports a histogram kept by the service (weighted observations, see
 * gateway/histogram.ts) in Prometheus histogram form. prom-client's own
 * Histogram takes one observation per call, so this is a custom metric
 * object of the shape its Registry reads (`name`, `help`, `type`, `get`).
 */
function histogram(register: Registry, name: string, help: string, source: Histogram): void {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
      let cumulative = 0;
      source.bounds.forEach((bound, i) => {
        cumulative += source.counts[i];
        values.push({ value: cumulative, labels: { le: bound }, metricName: `${name}_bucket` });
      });
      values.push({ value: source.count, labels: { le: '+Inf' }, metricName: `${name}_bucket` });
      values.push({ value: source.sum, labels: {}, metricName: `${name}_sum` });
      values.push({ value: source.count, labels: {}, metricName: `${name}_count` });
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
  };
  register.registerMetric(metric as unknown as Metric);
}

export function createMetrics(sources: MetricSources): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'rt_' });
  gauge(register, 'rt_bus_healthy', '1 while the bus answers, else 0', () => (sources.bus.healthy() ? 1 : 0));
  const { gateway, ingest, processor } = sources;
  if (gateway) {
    gauge(register, 'rt_gateway_connections', 'open connections (WebSocket and SSE)', () => gateway().connections);
    gauge(register, 'rt_gateway_topics', 'topics with a bus subscription in this process', () => gateway().topics);
    total(register, 'rt_gateway_messages_sent_total', 'messages sent to clients (one per recipient)', () => gateway().messagesSent);
    total(register, 'rt_gateway_frames_sent_total', 'msgs frames sent to clients', () => gateway().framesSent);
    total(register, 'rt_gateway_slow_consumer_closes_total', 'connections closed with 4008 (read nothing for RT_STALL_TIMEOUT_MS)', () => gateway().slowConsumerCloses);
    total(register, 'rt_gateway_history_resumes_total', '"all" subscriptions of backed-up connections resumed from history', () => gateway().historyResumes);
    total(register, 'rt_gateway_errors_sent_total', 'error frames sent', () => gateway().errorsSent);
    gauge(register, 'rt_gateway_subscriptions', 'subscriptions held by all connections of this process', () => gateway().subscriptions);
    gauge(register, 'rt_gateway_event_loop_utilization', 'share of the last second the event loop was busy (0-1)', () => gateway().eventLoopUtilization);
    gauge(register, 'rt_gateway_event_loop_delay_p99_seconds', 'p99 event-loop delay since the gateway started (perf_hooks.monitorEventLoopDelay)', () => gateway().eventLoopDelayMs.p99 / 1000);
    gauge(register, 'rt_gateway_event_loop_delay_max_seconds', 'largest event-loop delay since the gateway started', () => gateway().eventLoopDelayMs.max / 1000);
  }
  const histograms = sources.gatewayHistograms;
  if (histograms) {
    histogram(register, 'rt_gateway_write_latency_seconds', 'publish (message id time) to socket write, one observation per delivery', histograms.writeLatency);
    histogram(register, 'rt_gateway_messages_per_frame', 'messages per msgs frame, one observation per frame written', histograms.messagesPerFrame);
  }
  if (ingest) {
    total(register, 'rt_ingest_requests_total', 'POST /v1/events requests', () => ingest.requests);
    total(register, 'rt_ingest_events_accepted_total', 'events appended to the ingest stream', () => ingest.accepted);
    total(register, 'rt_ingest_requests_rejected_total', 'requests answered 4xx/5xx', () => ingest.rejected);
    const { backlog } = ingest;
    perPartition(register, 'gauge', 'rt_ingest_backlog_entries', 'unprocessed entries kept per ingest partition', () => backlog.entries);
    perPartition(register, 'gauge', 'rt_ingest_backlog_oldest_age_seconds', 'age of the oldest unprocessed entry per ingest partition', () => backlog.oldestAgeMs.map((ms) => ms / 1000));
    perPartition(register, 'counter', 'rt_ingest_backlog_refused_events_total', 'events refused with 503 because their partition backlog was over its bound', () => backlog.refusedEvents);
  }
  if (processor) {
    total(register, 'rt_processor_entries_total', 'ingest entries processed and acknowledged', () => processor.processed);
    total(register, 'rt_processor_published_total', 'messages published', () => processor.published);
    total(register, 'rt_processor_duplicates_skipped_total', 'publishes skipped as redone duplicates', () => processor.duplicatesSkipped);
    total(register, 'rt_processor_dead_letters_total', 'ingest entries sent to the dead-letter stream (malformed, misplaced, unusable by a rule)', () => processor.deadLetters);
    total(register, 'rt_processor_late_events_total', 'events left out of an aggregation window that had already closed', () => processor.lateEvents);
    gauge(register, 'rt_processor_windows_open', 'aggregation windows open in this processor', () => processor.windowsOpen);
    gauge(register, 'rt_processor_partitions_owned', 'ingest partitions this processor holds the lease of', () => processor.owned.length);
  }
  return register;
}
