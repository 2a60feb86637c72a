// Builds everything `npm start` and `npm test` need:
//   1. type-checks protocol/ alone (no Node, no DOM) and widgets/ (DOM, no Node),
//   2. compiles the Node services and tests with tsc into dist/ (and type-checks
//      the k6 scripts in bench/k6/ on their own),
//   3. bundles the widgets into one minified ES module, dist/rt.js, with
//      Brotli and gzip variants the gateway serves to clients that take them.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const tsc = (project) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });

const started = Date.now();
tsc('protocol/tsconfig.json');
tsc('widgets/tsconfig.json');
tsc('tsconfig.json');
// k6 scripts import k6's modules: checked on their own, never emitted.
tsc('bench/k6/tsconfig.json');
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
// Compressed once here rather than per request: the bundle is what every embedding page downloads.
for (const file of ['dist/rt.js', 'dist/rt.js.map']) {
  const raw = readFileSync(file);
  writeFileSync(`${file}.br`, brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  writeFileSync(`${file}.gz`, gzipSync(raw, { level: 9 }));
}
const size = (f) => (readFileSync(f).length / 1024).toFixed(1);
console.log(`build: done in ${Date.now() - started} ms; rt.js ${size('dist/rt.js')} KiB, ${size('dist/rt.js.gz')} KiB gzip, ${size('dist/rt.js.br')} KiB brotli`);
