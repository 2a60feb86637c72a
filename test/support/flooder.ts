/**
 * A hostile client for the flooding test, run as its own process: it sends
 * `ping` frames as fast as its socket takes them and reconnects whenever it
 * is closed, until killed. Prints how many frames it sent and how it was
 * closed, once per connection.
 */
import WebSocket from 'ws';

const url = process.argv[2];
let sent = 0;

function flood(): void {
  const ws = new WebSocket(url);
  ws.on('open', () => {
    const pump = (): void => {
      if (ws.readyState !== ws.OPEN) return;
      // Batches between turns of the event loop, so the close frame is still read;
      // a full socket buffer waits for it to drain instead of growing without bound.
      for (let i = 0; i < 2000 && ws.bufferedAmount < 1 << 20; i++) {
        ws.send('{"op":"ping"}');
        sent++;
      }
      // Spinning on a full buffer would only take CPU from the machine, which on a
      // shared test machine is the server's too; a real flooder's CPU is elsewhere.
      if (ws.bufferedAmount < 1 << 20) setImmediate(pump);
      else setTimeout(pump, 5);
    };
    pump();
  });
  ws.on('close', (code) => {
    process.stdout.write(`${JSON.stringify({ sent, code })}\n`);
    setTimeout(flood, 10);
  });
  ws.on('error', () => {});
}

flood();
