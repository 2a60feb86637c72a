/**
 * k6 load script for an rt gateway: each virtual user opens one WebSocket,
 * presents a token when RT_TOKEN is set (`auth` frame), subscribes to its
 * topics, and records the age of every message it receives (now − the
 * message's `ts`) in the `rt_message_age` trend.
 *
 * Not run on this project's CI machines (k6 cannot be installed there); for
 * users who run k6. Typed with @types/k6 and checked by the build with
 * bench/k6/tsconfig.json, apart from the main build. Run with k6 ≥ 0.57
 * (TypeScript support):
 *
 *   RT_URL=wss://rt.example.com/ws RT_TOPICS=orders.per_sec,cpu.load \
 *     k6 run --vus 500 --duration 2m bench/k6/gateway-subscribers.ts
 *
 * Environment: RT_URL (default ws://127.0.0.1:8080/ws), RT_TOPICS
 * (comma-separated; each user takes RT_TOPICS_PER_USER of them, rotating),
 * RT_TOPICS_PER_USER (default 1), RT_TOKEN (a JWT for tenants with auth),
 * RT_HOLD_S (seconds each connection stays open, default 60).
 */
import { check, fail } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import ws from 'k6/ws';

export const options = {
  thresholds: {
    rt_message_age: ['p(99)<1000'],
    rt_protocol_errors: ['count==0'],
  },
};

const messageAge = new Trend('rt_message_age', true);
const messages = new Counter('rt_messages');
const protocolErrors = new Counter('rt_protocol_errors');

const url = __ENV.RT_URL ?? 'ws://127.0.0.1:8080/ws';
const allTopics = (__ENV.RT_TOPICS ?? 'demo.cpu').split(',').filter((t) => t !== '');
const perUser = Number(__ENV.RT_TOPICS_PER_USER ?? 1);
const token = __ENV.RT_TOKEN;
const holdMs = Number(__ENV.RT_HOLD_S ?? 60) * 1000;

interface Frame {
  op: string;
  code?: string;
  message?: string;
  msgs?: { topic: string; id: string; ts: number }[];
}

export default function (): void {
  const mine = Array.from({ length: Math.min(perUser, allTopics.length) }, (_, i) => allTopics[(__VU + i) % allTopics.length]);
  const response = ws.connect(url, {}, (socket) => {
    const subscribe = (): void => socket.send(JSON.stringify({ op: 'sub', ref: 1, topics: mine.map((topic) => ({ topic, snapshot: 0 })) }));
    socket.on('message', (text) => {
      const frame = JSON.parse(text) as Frame;
      switch (frame.op) {
        case 'hello':
          if (token) socket.send(JSON.stringify({ op: 'auth', ref: 0, token }));
          else subscribe();
          return;
        case 'authed':
          subscribe();
          return;
        case 'msgs': {
          const now = Date.now();
          for (const m of frame.msgs ?? []) {
            messageAge.add(now - m.ts);
            messages.add(1);
          }
          return;
        }
        case 'error':
          protocolErrors.add(1, { code: frame.code ?? 'unknown' });
          return;
      }
    });
    socket.on('close', () => {});
    socket.setTimeout(() => socket.close(), holdMs);
  });
  if (!check(response, { 'upgraded to WebSocket (101)': (r) => r !== undefined && r.status === 101 })) fail(`could not connect to ${url}`);
}
