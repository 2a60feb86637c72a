/**
 * A raw protocol client whose TCP socket the test can pause (`socket.pause()`
 * stops reading, so the gateway's writes back up) and resume, or throttle to
 * read in short bursts: the slow and the stalled consumers of the
 * slow-consumer tests.
 */
import type { ClientRequestArgs } from 'node:http';
import { connect as tcpConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import type { Message, ServerFrame } from '../../protocol/index.js';

export interface PausableClient {
  ws: WebSocket;
  socket: Socket;
  frames: ServerFrame[];
  messages: Message[];
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  of(topic: string): Message[];
  /** Stops reading the socket (ws itself cannot resume it meanwhile). */
  pause(): void;
  resume(): void;
  /** Reads `readMs` out of every `periodMs` until stopped: a slow reader. */
  throttle(readMs: number, periodMs: number): () => void;
}

export async function pausableClient(url: string): Promise<PausableClient> {
  let socket: Socket | undefined;
  const ws = new WebSocket(url, {
    createConnection: (options: ClientRequestArgs) => {
      socket = tcpConnect(Number(options.port), options.host ?? '127.0.0.1');
      return socket;
    },
  });
  const frames: ServerFrame[] = [];
  const messages: Message[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as ServerFrame;
    frames.push(frame);
    if (frame.op === 'msgs') messages.push(...frame.msgs);
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // ws resumes the socket when its own receiver drains; while the test holds it paused, it stays paused.
  const raw = socket!;
  const resumeRaw = raw.resume.bind(raw);
  let held = false;
  raw.resume = () => (held ? raw : resumeRaw());
  const pause = (): void => {
    held = true;
    raw.pause();
  };
  const resume = (): void => {
    held = false;
    resumeRaw();
  };
  return {
    pause,
    resume,
    ws,
    socket: socket!,
    frames,
    messages,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    of: (topic) => messages.filter((m) => m.topic === topic),
    throttle(readMs, periodMs) {
      let on = true;
      const timer = setInterval(() => {
        resume();
        setTimeout(() => on && pause(), readMs).unref();
      }, periodMs);
      // A failed test must not leave the process running.
      timer.unref();
      pause();
      return () => {
        on = false;
        clearInterval(timer);
        resume();
      };
    },
  };
}
