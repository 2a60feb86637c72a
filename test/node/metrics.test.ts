/**
 * /metrics exposes what the services count, in Prometheus text format.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from '../../bin/app.js';
import { TestClient } from '../support/ws-client.js';

function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is exported`);
  return Number(line.split(' ')[1]);
}

test('/metrics counts connections, deliveries, ingest and processing', async () => {
  const app = await startApp({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${app.port}`;
  const client = await TestClient.connect(`ws://127.0.0.1:${app.port}/ws`);
  try {
    client.send({ op: 'sub', topics: [{ topic: 'm' }] });
    client.send('{oops');
    await client.until(() => client.frameOf('subscribed').length === 1 && client.frameOf('error').length === 1);
    const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{"topic":"m","value":1},{"topic":"m","value":2}]' });
    assert.equal(res.status, 202);
    await client.until(() => client.of('m').length === 2);
    const scrape = await fetch(`${base}/metrics`);
    assert.match(scrape.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await scrape.text();
    assert.equal(sample(text, 'rt_bus_healthy'), 1);
    assert.equal(sample(text, 'rt_gateway_connections'), 1);
    assert.equal(sample(text, 'rt_gateway_topics'), 1);
    assert.equal(sample(text, 'rt_gateway_messages_sent_total'), 2);
    assert.equal(sample(text, 'rt_gateway_errors_sent_total'), 1);
    assert.equal(sample(text, 'rt_gateway_subscriptions'), 1);
    const elu = sample(text, 'rt_gateway_event_loop_utilization');
    assert.ok(elu >= 0 && elu <= 1, 'utilisation is a share');
    assert.equal(sample(text, 'rt_gateway_write_latency_seconds_count'), 2, 'one latency observation per delivery');
    assert.equal(sample(text, 'rt_gateway_write_latency_seconds_bucket{le="+Inf"}'), 2);
    assert.ok(sample(text, 'rt_gateway_messages_per_frame_count') >= 1);
    assert.match(text, /# TYPE rt_gateway_write_latency_seconds histogram/);
    assert.equal(sample(text, 'rt_ingest_events_accepted_total'), 2);
    assert.equal(sample(text, 'rt_processor_published_total'), 2);
    assert.ok(sample(text, 'rt_process_resident_memory_bytes') > 0, 'default process metrics too');
  } finally {
    client.close();
    await app.close();
  }
});
