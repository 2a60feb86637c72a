/**
 * Peer: the classic `ws` + Redis Pub/Sub gateway, as the usual tutorial
 * writes it. A client sends {"type":"subscribe","channels":[…]}; the server
 * subscribes to each Redis channel once and relays every message string to
 * every socket of the channel with `ws.send`. (The one addition: a
 * {"type":"subscribed"} reply, so the load generator knows when to start.)
 */
import { createServer } from 'node:http';
import { createClient } from 'redis';
import { WebSocketServer, WebSocket } from 'ws';
import { announceReady, peerArgs } from './peer-args.js';

const { port, redisUrl } = peerArgs();
const subscriber = createClient({ url: redisUrl });
await subscriber.connect();

const channels = new Map<string, Set<WebSocket>>();
const server = createServer();
const wss = new WebSocketServer({ server });

wss.on('connection', (ws) => {
  const mine = new Set<string>();
  ws.on('message', async (raw) => {
    const msg = JSON.parse(raw.toString());
    if (msg.type !== 'subscribe') return;
    for (const channel of msg.channels as string[]) {
      mine.add(channel);
      let set = channels.get(channel);
      if (!set) {
        set = new Set();
        channels.set(channel, set);
        await subscriber.subscribe(channel, (message) => {
          for (const client of channels.get(channel) ?? []) {
            if (client.readyState === WebSocket.OPEN) client.send(message);
          }
        });
      }
      set.add(ws);
    }
    ws.send(JSON.stringify({ type: 'subscribed' }));
  });
  ws.on('close', () => {
    for (const channel of mine) channels.get(channel)?.delete(ws);
  });
});

server.listen(port, '127.0.0.1', () => announceReady(port));
