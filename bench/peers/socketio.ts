/**
 * Peer: Socket.IO 4 with @socket.io/redis-adapter, as its documentation
 * recommends (websocket transport only, rooms as topics). The app relays
 * each Redis message to its room with `io.to(topic).emit('msg', …)`; the
 * adapter shares the broadcast with every other Socket.IO node over Redis.
 */
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { announceReady, peerArgs } from './peer-args.js';

const { port, redisUrl } = peerArgs();
const pubClient = createClient({ url: redisUrl });
const subClient = pubClient.duplicate();
const feed = pubClient.duplicate();
await Promise.all([pubClient.connect(), subClient.connect(), feed.connect()]);

const httpServer = createServer();
const io = new Server(httpServer, { transports: ['websocket'], adapter: createAdapter(pubClient, subClient) });
const fed = new Set<string>();

io.on('connection', (socket) => {
  socket.on('sub', async (topics: string[]) => {
    for (const topic of topics) {
      if (!fed.has(topic)) {
        fed.add(topic);
        await feed.subscribe(topic, (message) => io.to(topic).emit('msg', JSON.parse(message)));
      }
    }
    await socket.join(topics);
    socket.emit('subscribed');
  });
});

httpServer.listen(port, '127.0.0.1', () => announceReady(port));
