/**
 * HTTP routes the gateway serves besides `/ws`: the widget bundle (with CORS,
 * since module scripts from another origin are fetched in CORS mode) and the
 * demo pages.
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

export function createStaticRouter(options: { demo: boolean }): Router {
  const router = express.Router();
  const bundleHeaders = (res: express.Response): void => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'no-cache');
  };
  router.get(['/rt.js', '/rt.js.map'], (req, res, next) => {
    const file = join(bundleDir, req.path.slice(1));
    if (!existsSync(file)) {
      res.status(404).type('text/plain').send('rt.js is not built; run `npm run build`\n');
      return;
    }
    bundleHeaders(res);
    res.sendFile(file, { headers: { 'Content-Type': req.path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'application/json' } }, (error) => {
      if (error) next(error);
    });
  });
  if (options.demo) {
    router.get('/', (_req, res) => res.sendFile(join(demoDir, 'index.html')));
    router.get('/embed.html', (_req, res) => res.sendFile(join(demoDir, 'embed.html')));
  }
  return router;
}
