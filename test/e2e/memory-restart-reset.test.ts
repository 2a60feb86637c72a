/**
 * `rt start` on the in-memory bus is SIGKILLed and started again on the same
 * port: its history died with it. A client resuming with its `since` and
 * `epoch` gets a `reset` for the topic (a new process is a new epoch), never
 * a replay that pretends to continue, and then the new process's messages.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { freePort } from '../support/free-port.js';
import { startRt, type RtProcess } from '../support/rt-process.js';
import { eventually, TestClient } from '../support/ws-client.js';

let rt: RtProcess | null = null;
const clients: TestClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await rt?.kill('SIGKILL');
});

const post = (port: number, n: number): Promise<Response> =>
  fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'mem.lost', ts: Date.now(), data: { n } }) });

test('a client resuming after the in-memory process restarted gets a reset and then the new messages', async () => {
  const port = await freePort();
  const env = { PORT: String(port), HOST: '127.0.0.1', RT_DEMO: 'false' };
  rt = await startRt('start', [], env);
  for (let n = 1; n <= 5; n++) assert.equal((await post(port, n)).status, 202);
  const url = `ws://127.0.0.1:${port}/ws`;
  const first = await TestClient.connect(url);
  clients.push(first);
  first.send({ op: 'sub', topics: [{ topic: 'mem.lost', snapshot: 100 }] });
  await first.until(() => first.of('mem.lost').length === 5, 10_000, 'the first snapshot');
  const epoch = first.frameOf('subscribed')[0].epochs![0];
  const lastId = first.of('mem.lost')[4].id;

  await rt.kill('SIGKILL');
  rt = await startRt('start', [], env);
  const again = await TestClient.connect(url);
  clients.push(again);
  again.send({ op: 'sub', topics: [{ topic: 'mem.lost', since: lastId, epoch, snapshot: 100 }] });
  await again.until(() => again.frameOf('reset').length === 1, 10_000, 'the reset');
  const reset = again.frameOf('reset')[0];
  assert.equal(reset.since, lastId);
  assert.notEqual(reset.epoch, epoch, 'a new process, a new epoch');
  assert.equal(again.frameOf('subscribed')[0].epochs![0], reset.epoch);
  assert.equal((await post(port, 6)).status, 202);
  await eventually(() => again.of('mem.lost').length === 1, 10_000, 'the message published after the restart');
  assert.deepEqual(again.of('mem.lost').map((m) => m.data?.n), [6]);
  assert.equal(again.frameOf('gap').length, 0);
});
