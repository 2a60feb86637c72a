// Builds everything `npm start` and `npm test` need:
//   1. type-checks protocol/ alone (no Node, no DOM) and widgets/ (DOM, no Node),
//   2. compiles the Node services and tests with tsc into dist/ (and type-checks
//      the k6 scripts in bench/k6/ on their own: they import k6's modules),
//   3. bundles the widgets into minified ES modules: the entry dist/rt.js (a
//      stable name, the one script URL pages use) and content-hashed chunks in
//      dist/rt/ (code shared by the elements, and the <rt-chart> and
//      <rt-event-log> code loaded when first used), each with Brotli and gzip
//      variants the gateway serves to clients that take them.
// The type checks and compiles run as child processes while the bundle is
// built and compressed, so the whole build takes about as long as tsc.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { gzipAsync as zopfli } from '@gfx/zopfli';
import { build } from 'esbuild';

const tsc = (project) =>
  new Promise((resolve, reject) => {
    execFile(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], (error, stdout, stderr) => {
      process.stdout.write(stdout);
      process.stderr.write(stderr);
      if (error) reject(new Error(`tsc -p ${project} failed`));
      else resolve();
    });
  });

const started = Date.now();
const checks = Promise.all(['protocol/tsconfig.json', 'widgets/tsconfig.json', 'tsconfig.json', 'bench/k6/tsconfig.json'].map(tsc));
checks.catch(() => {});
// Chunks are named by their content: drop those of earlier builds.
rmSync('dist/rt', { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: [{ in: 'widgets/index.ts', out: 'rt' }],
  outdir: 'dist',
  chunkNames: 'rt/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  sourcemap: true,
  target: 'es2021',
  platform: 'browser',
  tsconfig: 'widgets/tsconfig.json',
  loader: { '.css': 'text' },
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
// Compressed once here rather than per request: the bundle is what every
// embedding page downloads. gzip by Zopfli: a standard gzip stream about 3 %
// smaller than zlib's best, worth its second of build time for every
// download over plain http or from clients without Brotli. Source maps are
// for developers: faster levels.
const outputs = ['dist/rt.js', 'dist/rt.js.map', ...readdirSync('dist/rt').map((f) => join('dist/rt', f))];
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);
const sizes = new Map();
await Promise.all(
  outputs.map(async (file) => {
    const raw = readFileSync(file);
    const map = file.endsWith('.map');
    const [br, gzipped] = await Promise.all([
      brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: map ? 5 : 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
      map ? gz(raw, { level: 6 }) : zopfli(raw, { numiterations: 15 }),
    ]);
    writeFileSync(`${file}.br`, br);
    writeFileSync(`${file}.gz`, gzipped);
    sizes.set(file, { raw: raw.length, gzip: gzipped.length, br: br.length });
  }),
);
try {
  await checks;
} catch (error) {
  console.error(`build: ${error.message}`);
  process.exit(1);
}
const kib = (n) => (n / 1024).toFixed(1);
const line = (file) => {
  const s = sizes.get(file);
  return `${file.slice('dist/'.length)} ${kib(s.raw)} KiB, ${kib(s.gzip)} gzip, ${kib(s.br)} br`;
};
const chunks = Object.keys(metafile.outputs).filter((f) => f.startsWith('dist/rt/') && f.endsWith('.js'));
console.log(`build: done in ${Date.now() - started} ms; ${[line('dist/rt.js'), ...chunks.map(line)].join('; ')}`);
