// Browser tests: Web Test Runner in the system Chromium, against real
// gateways this config starts itself (ingest + processor + gateway in one
// process over the memory bus, from the compiled dist/bin/app.js).
//
//   npm run build && npm run test:browser
//
// Tests reach the gateways through the page (window.RT_GATEWAY and
// window.RT_GATEWAY_SHORT_HISTORY, injected below) and publish through the
// server commands `rt-publish` and `rt-health` (plugin below).
import { existsSync } from 'node:fs';
import { createServer as createTcpServer, connect as tcpConnect } from 'node:net';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
// Same browser and flags as the playwright-driven tests (compiled by `npm run build`).
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './dist/test/support/chromium.js';

const APP_ENTRY = new URL('./dist/bin/app.js', import.meta.url);
const TENANT_ENTRY = new URL('./dist/test/support/tenant-gateway.js', import.meta.url);

/** History length of the second gateway, short so tests can outrun it and see a gap. */
const SHORT_HISTORY = 20;

/** Running gateways by name, and why they are missing if they could not start. */
const gateways = { main: null, short: null, tenants: null, nows: null };
/** Token signing and the ingest key of the tenant gateway (test/support/tenant-gateway.ts). */
let tenantSupport = null;

/**
 * A TCP proxy in front of the gateway without WebSockets, so a test can break
 * the SSE stream for real (`rt-proxy-cut` destroys every proxied connection).
 */
let proxy = null;
const proxied = new Set();

async function startProxy(targetPort) {
  const server = createTcpServer((client) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    proxied.add(pair);
    const drop = () => {
      proxied.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
let missing = null;

async function startGateways() {
  if (!existsSync(APP_ENTRY)) {
    missing = 'dist/bin/app.js does not exist: run `npm run build` before `npm run test:browser`';
    console.warn(`rt-gateway: ${missing}; gateway-backed tests will fail`);
    return;
  }
  const { startApp } = await import(APP_ENTRY.href);
  gateways.main = await startApp({ port: 0, host: '127.0.0.1', demo: false });
  gateways.short = await startApp({ port: 0, host: '127.0.0.1', demo: false, historyMaxLen: SHORT_HISTORY });
  tenantSupport = await import(TENANT_ENTRY.href);
  gateways.tenants = await tenantSupport.startTenantGateway();
  // As behind a proxy that refuses WebSocket upgrades: only the SSE fallback works.
  gateways.nows = await startApp({ port: 0, host: '127.0.0.1', demo: false, webSocket: false });
  proxy = await startProxy(gateways.nows.port);
}

function base(name) {
  const app = gateways[name];
  if (!app) throw new Error(missing ?? `gateway "${name}" is not running`);
  return `http://127.0.0.1:${app.port}`;
}

/** Starts and stops the gateways and answers the tests' server commands. */
function gatewayPlugin() {
  return {
    name: 'rt-gateway',
    async serverStart() {
      await startGateways();
    },
    async serverStop() {
      for (const { client, upstream } of proxied) {
        client.destroy();
        upstream.destroy();
      }
      proxy?.close();
      await Promise.all(Object.values(gateways).map((app) => app?.close()));
    },
    async executeCommand({ command, payload, session }) {
      if (command === 'rt-background') {
        // Another tab comes to the front of the page's window, so the test page
        // becomes a background tab (hidden: no animation frames); events are
        // published meanwhile; then that tab closes and the page is in front again.
        const page = session.browser.getPage(session.id);
        const other = await page.browserContext().newPage();
        try {
          await other.bringToFront();
          // `events` in one request, or `posts` (arrays of events) in one request each, `gapMs` apart.
          const { gateway = 'main', events, posts = [events], gapMs = 100, ms = 500 } = payload;
          let status = 0;
          for (const [i, batch] of posts.entries()) {
            if (i > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
            const response = await fetch(`${base(gateway)}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
            status = response.status === 202 ? (status || 202) : response.status;
          }
          await new Promise((resolve) => setTimeout(resolve, ms));
          return { status };
        } finally {
          await other.close().catch(() => {});
          await page.bringToFront().catch(() => {});
        }
      }
      if (command === 'rt-publish') {
        const { gateway = 'main', events } = payload;
        const response = await fetch(`${base(gateway)}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(gateway === 'tenants' ? { authorization: `Bearer ${tenantSupport.WEB_INGEST_KEY}` } : {}) },
          body: JSON.stringify(events),
        });
        return { status: response.status, body: await response.json().catch(() => null) };
      }
      if (command === 'rt-proxy-cut') {
        const cut = proxied.size;
        for (const { client, upstream } of [...proxied]) {
          client.destroy();
          upstream.destroy();
        }
        return { cut };
      }
      if (command === 'rt-token') {
        const { topics, ttlSec, forged } = payload;
        return tenantSupport.signWebToken(topics, ttlSec, forged);
      }
      if (command === 'rt-health') {
        const { gateway = 'main' } = payload ?? {};
        const response = await fetch(`${base(gateway)}/healthz`);
        return response.json();
      }
      return undefined;
    },
  };
}

function wsUrl(name) {
  const app = gateways[name];
  return app ? `ws://127.0.0.1:${app.port}/ws` : null;
}

export default {
  files: 'test/browser/**/*.test.ts',
  nodeResolve: true,
  // Pages share two gateways; a few at a time keeps timing-sensitive tests honest.
  concurrency: 4,
  testFramework: { config: { timeout: 15000 } },
  plugins: [
    esbuildPlugin({ ts: true, tsconfig: 'widgets/tsconfig.json', target: 'auto', loaders: { '.css': 'text' } }),
    gatewayPlugin(),
  ],
  browsers: [
    chromeLauncher({
      // Each test page in its own browser context, which headless Chromium
      // shows in its own window: a page sharing a window with others is a
      // background tab, where requestAnimationFrame never fires.
      createPage: async ({ browser }) => {
        const context = await browser.createBrowserContext();
        const page = await context.newPage();
        page.once('close', () => void context.close().catch(() => {}));
        return page;
      },
      launchOptions: {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: CHROMIUM_ARGS,
      },
    }),
  ],
  testRunnerHtml: (testFramework) => `<!doctype html>
<html>
  <head>
    <meta charset="utf-8">
    <script>
      window.RT_GATEWAY = ${JSON.stringify(wsUrl('main'))};
      window.RT_GATEWAY_SHORT_HISTORY = ${JSON.stringify(wsUrl('short'))};
      window.RT_GATEWAY_TENANTS = ${JSON.stringify(wsUrl('tenants'))};
      window.RT_SHORT_HISTORY = ${SHORT_HISTORY};
      window.RT_GATEWAY_MISSING = ${JSON.stringify(missing)};
      window.RT_GATEWAY_NO_WEBSOCKET = ${JSON.stringify(proxy ? `ws://127.0.0.1:${proxy.address().port}/ws` : null)};
    </script>
  </head>
  <body>
    <script type="module" src="${testFramework}"></script>
  </body>
</html>`,
};
