/**
 * One load-generator worker process: opens its share of the clients (raw
 * `ws` sockets speaking the server's protocol), subscribes each to its
 * topics, and counts what arrives: a latency histogram from the timestamp
 * in each message, and per subscription the next expected sequence number,
 * which gives exact unique, duplicate and missing counts.
 *
 * Driven by its parent over IPC: `start` → `ready`, `report` → `report`.
 */
import * as hdr from 'hdr-histogram-js';
import { scanMessages } from './message-scan.js';
import type { ClientProtocol } from './options.js';
import { RawWebSocket } from './raw-websocket.js';

export interface WorkerStart {
  type: 'start';
  url: string;
  protocol: ClientProtocol;
  /** Topic names per client of this worker. */
  clients: string[][];
  /** Source address per client (null: let the OS choose). */
  sourceAddresses: (string | null)[];
  connectConcurrency: number;
  token: string | null;
}

export interface WorkerReady {
  type: 'ready';
  connected: number;
  failed: number;
  firstError: string | null;
}

export interface TopicTally {
  /** Subscriptions on the topic in this worker. */
  subs: number;
  /** Messages received once (by every subscriber together). */
  unique: number;
  /** Messages received again, or out of order. */
  duplicates: number;
  /** Sequence numbers skipped while later ones arrived. */
  skipped: number;
}

export interface WorkerReport {
  type: 'report';
  /** hdr-histogram of latencies in microseconds, compressed. */
  histogram: string;
  tallies: Record<string, TopicTally>;
  frames: number;
  closedEarly: number;
}

interface Client {
  ws: RawWebSocket | null;
  topics: string[];
  /** Next expected seq per topic, aligned with `topics`. */
  next: number[];
  ready: boolean;
}

const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
const tallies = new Map<string, TopicTally>();
let frames = 0;
let closedEarly = 0;
let reporting = false;

function tally(topic: string): TopicTally {
  let t = tallies.get(topic);
  if (!t) tallies.set(topic, (t = { subs: 0, unique: 0, duplicates: 0, skipped: 0 }));
  return t;
}

function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function receive(client: Client, payload: Buffer): void {
  frames++;
  const now = nowUs();
  scanMessages(payload, (topic, seq, sent) => {
    const i = client.topics.indexOf(topic);
    if (i < 0) return;
    const t = tally(topic);
    const expected = client.next[i];
    if (seq === expected) {
      t.unique++;
      client.next[i] = seq + 1;
    } else if (seq > expected) {
      t.unique++;
      t.skipped += seq - expected;
      client.next[i] = seq + 1;
    } else {
      t.duplicates++;
      return;
    }
    histogram.recordValue(Math.max(1, now - sent));
  });
}

/** Opens one client and resolves once its subscriptions are acknowledged. */
function open(start: WorkerStart, topics: string[], localAddress: string | null): Promise<Client> {
  const url = new URL(start.protocol === 'socketio' ? `${start.url.replace(/\/+$/, '')}/socket.io/?EIO=4&transport=websocket` : start.url);
  const client: Client = { ws: null, topics, next: topics.map(() => 0), ready: false };
  return new Promise((resolve, reject) => {
    const ready = (): void => {
      client.ready = true;
      resolve(client);
    };
    const subscribe = JSON.stringify({ op: 'sub', ref: 1, topics: topics.map((topic) => ({ topic, snapshot: 0 })) });
    // Before the subscriptions are acknowledged frames are few: read them as text.
    const handshake = (text: string, ws: RawWebSocket): void => {
      switch (start.protocol) {
        case 'rt':
          if (text.startsWith('{"op":"hello"')) {
            if (start.token) ws.send(JSON.stringify({ op: 'auth', ref: 0, token: start.token }));
            else ws.send(subscribe);
          } else if (text.startsWith('{"op":"authed"')) ws.send(subscribe);
          else if (text.startsWith('{"op":"subscribed"')) ready();
          else if (text.startsWith('{"op":"error"')) reject(new Error(text));
          return;
        case 'socketio':
          // Engine.IO 4 over a bare WebSocket: open packet, namespace connect, then events.
          if (text.startsWith('0{')) ws.send('40');
          else if (text.startsWith('40')) ws.send('42' + JSON.stringify(['sub', topics]));
          else if (text.startsWith('42["subscribed"')) ready();
          else if (text === '2') ws.send('3');
          return;
        case 'plain':
          if (text.startsWith('{"type":"subscribed"')) ready();
          return;
      }
    };
    RawWebSocket.open(url, localAddress, {
      text(payload, ws) {
        if (!client.ready) return handshake(payload.toString(), ws);
        // Engine.IO pings are one byte, "2".
        if (start.protocol === 'socketio' && payload.length === 1 && payload[0] === 0x32) ws.send('3');
        else receive(client, payload);
      },
      close() {
        if (!client.ready) reject(new Error('closed before subscribing'));
        else if (!reporting) closedEarly++;
      },
    }).then((ws) => {
      client.ws = ws;
      if (start.protocol === 'plain') ws.send(JSON.stringify({ type: 'subscribe', channels: topics }));
    }, reject);
  });
}

async function connectAll(start: WorkerStart): Promise<WorkerReady> {
  let next = 0;
  let connected = 0;
  let failed = 0;
  let firstError: string | null = null;
  const lane = async (): Promise<void> => {
    while (next < start.clients.length) {
      const i = next++;
      try {
        clients.push(await open(start, start.clients[i], start.sourceAddresses[i]));
        connected++;
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(start.connectConcurrency, start.clients.length) }, lane));
  return { type: 'ready', connected, failed, firstError };
}

const clients: Client[] = [];

function report(): WorkerReport {
  reporting = true;
  for (const t of tallies.values()) t.subs = 0;
  // Only connected clients' subscriptions count: each one is owed every message of its topic.
  for (const client of clients) for (const topic of client.topics) tally(topic).subs++;
  return {
    type: 'report',
    histogram: hdr.encodeIntoCompressedBase64(histogram),
    tallies: Object.fromEntries(tallies),
    frames,
    closedEarly,
  };
}

process.on('message', (message: WorkerStart | { type: 'report' } | { type: 'stop' }) => {
  if (message.type === 'start') {
    void connectAll(message).then((ready) => process.send!(ready));
  } else if (message.type === 'report') {
    process.send!(report());
  } else {
    reporting = true;
    for (const client of clients) client.ws?.terminate();
    process.disconnect();
  }
});
