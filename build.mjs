// Builds everything `npm start` and `npm test` need:
//   1. type-checks protocol/ alone (no Node, no DOM) and widgets/ (DOM, no Node),
//   2. compiles the Node services and tests with tsc into dist/,
//   3. bundles the widgets into one minified ES module, dist/rt.js.
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

const tsc = (project) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });

const started = Date.now();
tsc('protocol/tsconfig.json');
tsc('widgets/tsconfig.json');
tsc('tsconfig.json');
await build({
  entryPoints: ['widgets/index.ts'],
  outfile: 'dist/rt.js',
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: true,
  target: 'es2021',
  platform: 'browser',
  tsconfig: 'widgets/tsconfig.json',
  loader: { '.css': 'text' },
  legalComments: 'none',
  logLevel: 'warning',
});
console.log(`build: done in ${Date.now() - started} ms`);
