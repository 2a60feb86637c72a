// Run first by `npm test`: says in one line what a fresh machine lacks and
// how to install it, instead of dozens of failing tests.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const missing = [];
const has = (command) => {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
if (!has('redis-server')) missing.push(['redis-server', 'apt-get install redis-server (or brew install redis)']);
if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) missing.push(['Chromium at /usr/bin/chromium', 'apt-get install chromium (or set CHROMIUM_PATH)']);
if (!existsSync('node_modules/.package-lock.json')) missing.push(['the dependencies', 'npm ci']);
if (missing.length > 0) {
  console.error(`npm test needs ${missing.map(([what]) => what).join(' and ')}: ${missing.map(([, how]) => how).join('; ')}`);
  process.exit(1);
}
