/**
 * A gateway in a process of its own for the memory test (run with
 * `node --expose-gc`): development mode on the memory bus, with the
 * per-address connection limit lifted by the config file named in argv[2].
 * Sends `{ port }` over IPC once listening; answers `heap` with the heap
 * bytes in use after full garbage collections.
 */
import { startServices } from '../../bin/app.js';
import { loadConfigFile } from '../../bin/config-file.js';
import { DEFAULTS } from '../../bin/config.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) throw new Error('run with node --expose-gc as a child process with an IPC channel');

const app = await startServices({
  config: { ...DEFAULTS, port: 0, host: '127.0.0.1', logLevel: 'warn' },
  roles: ['gateway'],
  configFile: loadConfigFile(process.argv[2]),
});
process.send({ port: app.port });
process.on('message', (message) => {
  if (message !== 'heap') return;
  for (let i = 0; i < 3; i++) gc();
  process.send!({ heapUsed: process.memoryUsage().heapUsed });
});
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
