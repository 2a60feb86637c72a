// Run first by `npm test`: says in one line what a fresh machine lacks and
// how to install it, instead of dozens of failing tests.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const has = (command) => {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const missing = [];
const apt = [];
if (!has('redis-server')) {
  missing.push('redis-server');
  apt.push('redis-server');
}
if (!existsSync(chromium)) {
  missing.push(`Chromium at ${chromium}`);
  apt.push('chromium');
}
const how = [];
if (apt.length > 0) how.push(`apt-get install ${apt.join(' ')}${apt.includes('chromium') ? ' (or set CHROMIUM_PATH to your Chromium)' : ''}`);
if (!existsSync('node_modules/.package-lock.json')) {
  missing.push('the dependencies');
  how.push('npm ci');
}
if (missing.length > 0) {
  console.error(`npm test needs ${missing.join(' and ')}: ${how.join(', then ')}`);
  process.exit(1);
}
