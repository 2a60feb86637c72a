/**
 * HTTP routes the gateway serves besides `/ws`: the widget bundle and its
 * chunks (with CORS, since module scripts from another origin are fetched in
 * CORS mode) and the demo pages.
 *
 * `rt.js` keeps one stable URL, so it is revalidated on every use
 * (`no-cache`, with the ETag express sends); the chunks it loads live under
 * `/rt/` with their content hash in the name, so they are cached for a year
 * and never revalidated.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository (or installed package) root: this file runs from dist/gateway/. */
const root = join(here, '..', '..');
const bundleDir = join(root, 'dist');
const demoDir = join(root, 'demo');

/** Cache-Control of the entry: one stable name, so always revalidated. */
export const ENTRY_CACHE_CONTROL = 'no-cache';
/** Cache-Control of the content-hashed chunks: a new build gives new names. */
export const CHUNK_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** A chunk file name as the build writes it: no path, no dots but the extension's. */
const CHUNK_NAME = /^[A-Za-z0-9_-]+\.js(\.map)?$/;

/** Options of {@link createStaticRouter}. */
export interface StaticRouterOptions {
  /** Serve the demo pages. */
  demo: boolean;
  /**
   * Where the demo's "send your own event" command posts: `same-origin` when
   * this process runs ingest, a public URL, or null when unknown.
   */
  ingest?: 'same-origin' | string | null;
  /** Whether this process runs the demo data generator. */
  generator?: boolean;
}

export function createStaticRouter(options: StaticRouterOptions): Router {
  const router = express.Router();
  router.get(['/rt.js', '/rt.js.map'], (req, res, next) => {
    sendBuilt(req, res, next, req.path.slice(1), ENTRY_CACHE_CONTROL, 'rt.js is not built; run `npm run build`\n');
  });
  router.get('/rt/:chunk', (req, res, next) => {
    const chunk = String(req.params.chunk);
    if (!CHUNK_NAME.test(chunk)) {
      res.status(404).type('text/plain').send('no such chunk\n');
      return;
    }
    // A page holding an rt.js of an earlier build asks for chunks that build made: tell it plainly.
    sendBuilt(req, res, next, `rt/${chunk}`, CHUNK_CACHE_CONTROL, `no chunk ${chunk} in this build of rt.js; reload the page\n`);
  });
  if (options.demo) {
    router.get('/', (_req, res) => res.sendFile(join(demoDir, 'index.html')));
    // What the demo page cannot know by itself: where ingest is, and whether anything produces data.
    router.get('/demo.json', (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ ingest: options.ingest ?? null, generator: options.generator ?? false });
    });
    router.get(['/embed.html', '/react.html', '/vue.html'], (req, res) => res.sendFile(join(demoDir, req.path.slice(1))));
    // The framework pages' bundles (built by build.mjs from demo/frameworks/).
    router.use('/pages', express.static(join(bundleDir, 'pages'), { index: false, fallthrough: false }));
  }
  return router;
}

/** Sends a file of the built bundle, as the best precompressed variant the client takes. */
function sendBuilt(req: express.Request, res: express.Response, next: express.NextFunction, name: string, cacheControl: string, missing: string): void {
  if (!existsSync(join(bundleDir, name))) {
    res.status(404).type('text/plain').send(missing);
    return;
  }
  // The build writes Brotli and gzip variants once; serve the best one the client takes.
  const accepted = req.acceptsEncodings('br', 'gzip', 'identity');
  const encoding = accepted === 'br' || accepted === 'gzip' ? accepted : null;
  const variant = encoding ? `${name}.${encoding === 'br' ? 'br' : 'gz'}` : name;
  const compressed = encoding !== null && existsSync(join(bundleDir, variant));
  res.setHeader('Access-Control-Allow-Origin', '*');
  // Pages that isolate themselves (COEP require-corp) may still load the widgets.
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('Vary', 'Accept-Encoding');
  if (compressed) res.setHeader('Content-Encoding', encoding);
  const type = name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'application/json';
  // sendFile's own Cache-Control would override ours.
  res.sendFile(join(bundleDir, compressed ? variant : name), { cacheControl: false, headers: { 'Content-Type': type } }, (error) => {
    if (error) next(error);
  });
}
