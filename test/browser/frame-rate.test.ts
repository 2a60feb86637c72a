import { subscribe } from '../../widgets/index.js';
import { equal, ok } from './support/assert.js';
import { gatewayUrl, publish, uniqueTopic } from './support/gateway.js';
import { sleep, waitFor } from './support/wait.js';

describe('frame pacing', () => {
  it('updates are delivered at most once per animation frame per listener', async () => {
    const topic = uniqueTopic('burst');
    const frameTimes: number[] = [];
    let count = 0;
    let open = false;
    const stop = subscribe(topic, {
      gateway: gatewayUrl(),
      onMessages: (msgs) => {
        // Inside a requestAnimationFrame callback this is the frame's start time, shared by all callbacks of the frame.
        frameTimes.push(Number(document.timeline.currentTime));
        count += msgs.length;
      },
      onStatus: (status) => {
        open ||= status === 'open';
      },
    });
    try {
      await waitFor(() => open, 'the connection to open');
      // Many small publishes: the gateway sends them as many frames, often several between two paints.
      const total = 200;
      const sends: Promise<void>[] = [];
      for (let i = 0; i < total; i++) sends.push(publish({ topic, value: i }));
      await Promise.all(sends);
      await waitFor(() => count === total, `all ${total} messages`);
      await sleep(50);
      equal(new Set(frameTimes).size, frameTimes.length, 'no frame saw two deliveries');
      ok(frameTimes.length < total, `${total} messages took ${frameTimes.length} deliveries`);
    } finally {
      stop();
    }
  });
});
