/**
 * Limit lines: the least a broadcast server can do per delivery in Node.
 * Each Redis message (or, with --coalesce, each topic's messages of one
 * event-loop tick, as a JSON array) is framed once as a WebSocket text frame
 * and the same Buffer is written to every subscribed socket. No protocol,
 * no history, no backpressure policy: a floor, not a product.
 */
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { createClient } from 'redis';
import { WebSocketServer } from 'ws';
import { encodeTextFrame } from '../../gateway/ws-frame.js';
import { announceReady, peerArgs } from './peer-args.js';

const { port, redisUrl, coalesce } = peerArgs();
const subscriber = createClient({ url: redisUrl });
await subscriber.connect();

const channels = new Map<string, Set<Duplex>>();
const pending = new Map<string, string[]>();
let scheduled = false;

function write(channel: string, frame: Buffer): void {
  for (const socket of channels.get(channel) ?? []) socket.write(frame);
}

function flush(): void {
  scheduled = false;
  for (const [channel, messages] of pending) write(channel, encodeTextFrame('[' + messages.join(',') + ']'));
  pending.clear();
}

const server = createServer();
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const mine: string[] = [];
    ws.on('message', async (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.type !== 'subscribe') return;
      for (const channel of msg.channels as string[]) {
        mine.push(channel);
        let set = channels.get(channel);
        if (!set) {
          set = new Set();
          channels.set(channel, set);
          await subscriber.subscribe(channel, (message) => {
            if (!coalesce) return write(channel, encodeTextFrame(message));
            let list = pending.get(channel);
            if (!list) pending.set(channel, (list = []));
            list.push(message);
            if (!scheduled) {
              scheduled = true;
              setImmediate(flush);
            }
          });
        }
        set.add(socket);
      }
      ws.send(JSON.stringify({ type: 'subscribed' }));
    });
    ws.on('close', () => {
      for (const channel of mine) channels.get(channel)?.delete(socket);
    });
  });
});

server.listen(port, '127.0.0.1', () => announceReady(port));
