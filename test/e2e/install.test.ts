/**
 * The package as a stranger meets it: `npm pack`, `npm i <tarball>` into an
 * empty directory, `npx rt-dashboard start`, and a TypeScript project that
 * uses the typings. Installs with --prefer-offline, so dependencies come from
 * npm's cache that `npm ci` filled (the registry only for what is missing).
 * Needs a build (the tarball packs the current dist/).
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rt-install-'));
const app = join(dir, 'app');
let server: ChildProcess | null = null;

before(async () => {
  // --ignore-scripts: pack the dist/ this test run built instead of a second (release) build.
  await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote a tarball');
  await exec('mkdir', [app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'stranger', private: true, type: 'module' }));
  await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, tarball)], { cwd: app, timeout: 240_000 });
});
/** Ends npx and the rt process it started: npx runs it as a child, so the whole process group. */
function stopServer(signal: NodeJS.Signals): void {
  if (server?.pid === undefined) return;
  try {
    process.kill(-server.pid, signal);
  } catch {
    // Already gone.
  }
}
after(() => {
  stopServer('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `npx rt-dashboard start` in the install directory; resolves with its base URL once it says where it serves. */
function startInstalled(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'rt-dashboard', 'start', '--port', '0', '--json', '--log-level', 'warn'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    server = child;
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no start-up lines within 20 s:\n${out}\n${err}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const health = /health\s+(http:\/\/[^/\s]+)\/healthz/.exec(out);
      if (health) {
        clearTimeout(timer);
        resolve(health[1]!);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`rt-dashboard exited with ${code}:\n${out}\n${err}`)));
  });
}

test('npx rt-dashboard start in a fresh directory answers /healthz and serves rt.js, its chunks and the demo pages', async () => {
  const base = await startInstalled();
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
  const bundle = await fetch(`${base}/rt.js`);
  assert.equal(bundle.status, 200);
  assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
  const source = await bundle.text();
  const chunk = /\.\/rt\/(rt-chart-[\w-]+\.js)/.exec(source)?.[1];
  assert.ok(chunk, 'rt.js names its <rt-chart> chunk');
  assert.equal((await fetch(`${base}/rt/${chunk}`)).status, 200);
  for (const page of ['/', '/embed.html', '/react.html', '/vue.html', '/pages/react.js']) {
    assert.equal((await fetch(base + page)).status, 200, page);
  }
  // The load generator ships too: a user's smoke test of their own deployment.
  const report = join(dir, 'loadgen.json');
  await exec('npx', ['--no-install', 'rt-dashboard', 'loadgen', '--url', `${base.replace('http', 'ws')}/ws`, '--clients', '20', '--topics', '4', '--rate', '200', '--duration', '2', '--settle', '0.5', '--drain', '3', '--json', report], { cwd: app, timeout: 60_000 });
  const load = JSON.parse(readFileSync(report, 'utf8')) as { connected: number; expected: number; delivered: number; lost: number; duplicates: number };
  assert.equal(load.connected, 20);
  assert.ok(load.expected > 0 && load.delivered === load.expected, `delivered ${load.delivered} of ${load.expected}`);
  assert.equal(load.lost, 0);
  assert.equal(load.duplicates, 0);
  // rt shuts down in order on SIGTERM.
  const exited = new Promise((resolve) => server!.once('exit', resolve));
  stopServer('SIGTERM');
  await exited;
});

test('the installed package resolves its entry points from Node: producer client and services', async () => {
  const script = "const p = await import('rt-dashboard/producer'); const s = await import('rt-dashboard/server'); console.log(typeof p.Producer, typeof s.startApp);";
  const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
  assert.equal(stdout.trim(), 'function function');
});

test('a TypeScript project type-checks against the installed typings: tag names, React JSX, Vue components, producer', async () => {
  const modules = join(root, 'node_modules');
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', jsx: 'react-jsx', lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [],
        // The stranger's own React and Vue: taken from this checkout rather than installed again.
        paths: { react: [join(modules, '@types/react')], 'react/*': [join(modules, '@types/react/*')], vue: [join(modules, 'vue')] },
      },
      files: ['check.tsx'],
    }),
  );
  writeFileSync(
    join(app, 'check.tsx'),
    `import { subscribe, type RtMetric } from 'rt-dashboard';
import { useTopic } from 'rt-dashboard/react';
import type { GlobalComponents } from 'vue';
import type {} from 'rt-dashboard/vue';
import { Producer } from 'rt-dashboard/producer';

const metric: RtMetric | null = document.querySelector('rt-metric');
const chart = document.createElement('rt-chart');
chart.topics = 'cpu.api';
// @ts-expect-error topics is a string
chart.topics = 3;
export const off = subscribe('cpu.api', { onMessages: (m) => m[0]?.value });
export function Panel() {
  const { message, status } = useTopic('cpu.api');
  return <div>{status}{message?.value}<rt-metric topic="cpu.api" decimals={1} staleAfter="30s" onrt-status={(e) => e.detail.status} /></div>;
}
// @ts-expect-error no such property on <rt-metric>
export const wrong = <rt-metric topik="cpu.api" />;
export type VueMetric = GlobalComponents['rt-metric'];
export const producer = new Producer({ url: 'http://localhost:8080' });
export { metric };
`,
  );
  const tsc = join(modules, 'typescript/bin/tsc');
  const result = await exec(process.execPath, [tsc, '-p', app], { cwd: app }).catch((error: { stdout: string }) => ({ stdout: error.stdout, failed: true }));
  assert.equal((result as { failed?: boolean }).failed, undefined, `tsc found errors:\n${result.stdout}`);
});
