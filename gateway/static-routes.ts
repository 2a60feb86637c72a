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
    const name = req.path.slice(1);
    if (!existsSync(join(bundleDir, name))) {
      res.status(404).type('text/plain').send('rt.js is not built; run `npm run build`\n');
      return;
    }
    // The build writes Brotli and gzip variants once; serve the best one the client takes.
    const accepted = req.acceptsEncodings('br', 'gzip', 'identity');
    const encoding = accepted === 'br' || accepted === 'gzip' ? accepted : null;
    const variant = encoding ? `${name}.${encoding === 'br' ? 'br' : 'gz'}` : name;
    const file = join(bundleDir, encoding && existsSync(join(bundleDir, variant)) ? variant : name);
    bundleHeaders(res);
    res.setHeader('Vary', 'Accept-Encoding');
    if (file.endsWith(variant) && encoding) res.setHeader('Content-Encoding', encoding);
    res.sendFile(file, { headers: { 'Content-Type': name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'application/json' } }, (error) => {
      if (error) next(error);
    });
  });
  if (options.demo) {
    router.get('/', (_req, res) => res.sendFile(join(demoDir, 'index.html')));
    router.get('/embed.html', (_req, res) => res.sendFile(join(demoDir, 'embed.html')));
  }
  return router;
}
