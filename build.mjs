// Builds everything `npm start` and `npm test` need:
//   1. type-checks protocol/ alone (no Node, no DOM) and widgets/ (DOM, no Node),
//   2. compiles the Node services and tests with tsc into dist/ (and type-checks
//      the k6 scripts in bench/k6/ on their own: they import k6's modules),
//   3. writes the widgets' declarations to dist/types/ (with the React and Vue
//      typings, checked against the demo's framework pages) and the custom
//      elements manifest dist/custom-elements.json from the elements' JSDoc,
//   4. bundles the widgets into minified ES modules: the entry dist/rt.js (a
//      stable name, the one script URL pages use) and content-hashed chunks in
//      dist/rt/ (code shared by the elements, and the <rt-chart> and
//      <rt-event-log> code loaded when first used), minified by esbuild and
//      then by terser, each with Brotli and gzip variants the gateway serves
//      to clients that take them; and the demo's React and Vue pages into
//      dist/pages/, and the React hook into dist/react.js.
//
//   node build.mjs --analyze  also prints, per page (metric-only, all three),
//                             each input module's share of the gzip bytes
//
//   node build.mjs            incremental: nothing to do when no input is newer
//                             than the last build; tsc --incremental otherwise;
//                             fast compression levels
//   node build.mjs --release  everything from scratch, Brotli 11 and Zopfli
//                             (what `npm pack` / `npm publish` ship)
//   node build.mjs --force    rebuild even when nothing changed
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join, relative } from 'node:path';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { build, transform } from 'esbuild';
import ts from 'typescript';
import { minify } from 'terser';

const release = process.argv.includes('--release');
const analyze = process.argv.includes('--analyze');
const force = release || analyze || process.argv.includes('--force');
const STAMP = 'dist/.build-stamp';
const INPUTS = ['custom-elements-manifest.config.mjs', 'protocol', 'bus', 'ingest', 'processor', 'gateway', 'bin', 'demo', 'widgets', 'test', 'bench', 'schema', 'tsconfig.json', 'package.json', 'package-lock.json', 'build.mjs'];

/** Newest modification time under `path` (files and directories, recursively). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const started = Date.now();
// Skipping is safe only when the last build finished (the stamp is written last) after every input changed.
if (!force && existsSync(STAMP) && Math.max(...INPUTS.map(newest)) < statSync(STAMP).mtimeMs) {
  console.log(`build: up to date (no input newer than the last build; checked in ${Date.now() - started} ms)`);
  process.exit(0);
}
rmSync(STAMP, { force: true });
if (release) {
  // A release starts clean: no incremental state, no outputs of deleted sources.
  rmSync('dist', { recursive: true, force: true });
}
mkdirSync('dist', { recursive: true });

const run = (args, what) =>
  new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      process.stdout.write(stdout);
      process.stderr.write(stderr);
      if (error) reject(new Error(`${what} failed`));
      else resolve();
    });
  });
const tsc = (project) => {
  const info = `dist/.tsbuildinfo/${project.replace(/[/.]/g, '_')}`;
  return run(['node_modules/typescript/bin/tsc', '-p', project, '--incremental', '--tsBuildInfoFile', info], `tsc -p ${project}`);
};

const checks = Promise.all([
  ...['protocol/tsconfig.json', 'widgets/tsconfig.json', 'tsconfig.json', 'bench/k6/tsconfig.json', 'widgets/tsconfig.types.json'].map(tsc),
  // The manifest tools (Storybook, IDEs, framework wrappers) read: tags, attributes, properties, events, parts.
  run(['node_modules/@custom-elements-manifest/analyzer/cem.js', 'analyze', '--quiet'], 'custom-elements-manifest'),
]);
checks.catch(() => {});
// Chunks are named by their content: drop those of earlier builds.
rmSync('dist/rt', { recursive: true, force: true });
rmSync('dist/pages', { recursive: true, force: true });
/**
 * Minifies the CSS of the widgets' `css` tagged templates, and of plain
 * templates marked `/* css *\/`, with esbuild's CSS minifier (the bundle's
 * JavaScript minifier leaves template text as written: indentation, and the
 * doc comments of the custom properties). Templates are found by
 * TypeScript's parser; only those without `${}` substitutions are rewritten,
 * each followed by as many line breaks as it spanned, so the source maps
 * still point at the right lines of the code after it (they show these
 * files with the CSS minified).
 */
const minifyCssTemplates = {
  name: 'minify-css-templates',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]widgets[\\/].*\.ts$/ }, async ({ path }) => {
      const source = readFileSync(path, 'utf8');
      if (!source.includes('css`') && !source.includes('/* css */')) return undefined;
      const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
      const templates = [];
      const find = (node) => {
        if (ts.isTaggedTemplateExpression(node) && node.tag.getText(file) === 'css' && ts.isNoSubstitutionTemplateLiteral(node.template)) templates.push(node.template);
        // CSS kept as a plain string (no lit in that chunk) is marked the way editors highlight it: /* css */ `…`.
        else if (ts.isNoSubstitutionTemplateLiteral(node) && source.slice(node.pos, node.getStart(file)).trim() === '/* css */') templates.push(node);
        ts.forEachChild(node, find);
      };
      find(file);
      let code = source;
      // From the end, so earlier offsets stay valid.
      for (const template of templates.reverse()) {
        const { code: css, warnings } = await transform(template.text, { loader: 'css', minify: true, sourcefile: path });
        if (warnings.length) throw new Error(`${path}: esbuild warns about a css\`\` template: ${warnings.map((w) => w.text).join('; ')}`);
        const escaped = css.trim().replace(/[\\`]|\$\{/g, (m) => `\\${m}`);
        const lines = template.getText(file).split('\n').length - 1;
        code = `${code.slice(0, template.getStart(file))}\`${escaped}\`${'\n'.repeat(lines)}${code.slice(template.end)}`;
      }
      return { contents: code, loader: 'ts' };
    });
  },
};

const common = {
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  target: 'es2021',
  platform: 'browser',
  tsconfig: 'widgets/tsconfig.json',
  loader: { '.css': 'text' },
  legalComments: 'none',
  logLevel: 'warning',
};
const [widgets] = await Promise.all([
  build({
    ...common,
    entryPoints: [{ in: 'widgets/index.ts', out: 'rt' }],
    outdir: 'dist',
    chunkNames: 'rt/[name]-[hash]',
    sourcemap: true,
    metafile: true,
    write: false,
    plugins: [minifyCssTemplates],
  }),
  // rt-dashboard/react: the hook, for a product's own bundler (React stays the product's
  // copy). Its connection code finds the elements' sockets through a global registry.
  build({ ...common, splitting: false, entryPoints: [{ in: 'widgets/react/index.ts', out: 'react' }], outdir: 'dist', external: ['react'], minify: false }),
  // The demo's framework pages: what a product team's own esbuild setup does.
  build({
    ...common,
    entryPoints: [
      { in: 'demo/frameworks/react-app.tsx', out: 'react' },
      { in: 'demo/frameworks/vue-app.ts', out: 'vue' },
    ],
    outdir: 'dist/pages',
    chunkNames: 'chunks/[name]-[hash]',
    jsx: 'automatic',
    // Vue's full build compiles the page's template in the browser.
    alias: { vue: 'vue/dist/vue.esm-bundler.js' },
    define: { 'process.env.NODE_ENV': '"production"', __VUE_OPTIONS_API__: 'true', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
  }),
]);

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Eight base32 characters of the SHA-256 of `code`, like esbuild's [hash]. */
function contentHash(code) {
  const bytes = createHash('sha256').update(code).digest();
  let bits = 0n;
  for (const byte of bytes.subarray(0, 5)) bits = (bits << 8n) | BigInt(byte);
  let hash = '';
  for (let i = 7; i >= 0; i--) hash += BASE32[Number((bits >> BigInt(i * 5)) & 31n)];
  return hash;
}

/**
 * Minifies esbuild's output of rt.js and its chunks a second time with
 * terser (compress in two passes, mangle): about 4 % fewer gzip bytes, most
 * of them in uPlot (terser's build of uPlot is 1 KB gzip smaller than
 * esbuild's). A chunk is cached as immutable under its name, so the name
 * must be the hash of the bytes served: chunks are minified dependencies
 * first, each renamed after its minified code, and its importers rewritten
 * to the new name before they are minified and hashed in turn. Writes the
 * files and their source maps (terser maps through esbuild's to the
 * sources); returns the chunk graph under the final names.
 */
async function minifyWidgets({ metafile, outputFiles }) {
  const text = new Map(outputFiles.map((f) => [relative(process.cwd(), f.path), f.text]));
  const finalName = new Map();
  const graph = {};
  const visiting = new Set();
  const visit = async (file) => {
    if (finalName.has(file)) return;
    if (visiting.has(file)) throw new Error(`the chunks of rt.js import each other in a cycle through ${file}; they cannot be named by their content`);
    visiting.add(file);
    const { imports } = metafile.outputs[file];
    for (const { path } of imports) await visit(path);
    let code = text.get(file).replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    for (const { path } of imports) {
      // Specifiers are relative ("./rt/x.js" from rt.js, "./x.js" between chunks): the name follows a slash and ends the string.
      const from = `/${basename(path)}"`;
      if (!code.includes(from)) throw new Error(`${file} does not name its import ${path} as …${from}`);
      code = code.replaceAll(from, `/${basename(finalName.get(path))}"`);
    }
    const result = await minify(code, {
      module: true,
      compress: { passes: 2 },
      format: { comments: false },
      // The sources' text comes along from esbuild's map, as it did before terser.
      sourceMap: { content: text.get(`${file}.map`), includeSources: true },
    });
    let name = file;
    if (file !== 'dist/rt.js') {
      name = file.replace(/-[A-Z2-7]{8}\.js$/, `-${contentHash(result.code)}.js`);
      if (name === file) throw new Error(`chunk ${file} is not named [name]-[hash].js`);
    }
    const map = JSON.parse(result.map);
    map.file = basename(name);
    writeFileSync(name, `${result.code}\n//# sourceMappingURL=${basename(name)}.map\n`);
    writeFileSync(`${name}.map`, JSON.stringify(map));
    finalName.set(file, name);
    graph[name] = { imports: imports.map((i) => ({ path: finalName.get(i.path), kind: i.kind })), inputs: metafile.outputs[file].inputs };
    visiting.delete(file);
  };
  mkdirSync('dist/rt', { recursive: true });
  await visit('dist/rt.js');
  const unreached = Object.keys(metafile.outputs).filter((f) => f.endsWith('.js') && !finalName.has(f));
  if (unreached.length) throw new Error(`outputs of rt.js that rt.js does not reach: ${unreached.join(', ')}`);
  return graph;
}
const chunkGraph = await minifyWidgets(widgets);

// Compressed once here rather than per request: the bundle is what every
// embedding page downloads. Release builds spend seconds on the smallest
// files (Brotli 11; gzip by Zopfli, a standard gzip stream about 3 % smaller
// than zlib's best); everyday builds use fast levels so `npm start` is quick.
const outputs = ['dist/rt.js', 'dist/rt.js.map', ...readdirSync('dist/rt').map((f) => join('dist/rt', f))];
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);
const zopfli = release ? (await import('@gfx/zopfli')).gzipAsync : null;
const sizes = new Map();
await Promise.all(
  outputs.map(async (file) => {
    const raw = readFileSync(file);
    const best = release && !file.endsWith('.map');
    const [br, gzipped] = await Promise.all([
      brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: best ? 11 : 5, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
      best ? zopfli(raw, { numiterations: 15 }) : gz(raw, { level: 9 }),
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
writeFileSync(STAMP, `${new Date().toISOString()}${release ? ' release' : ''}\n`);
const kib = (n) => (n / 1024).toFixed(1);
const line = (file) => {
  const s = sizes.get(file);
  return `${file.slice('dist/'.length)} ${kib(s.raw)} KiB, ${kib(s.gzip)} gzip, ${kib(s.br)} br`;
};
const chunks = Object.keys(chunkGraph).filter((f) => f.startsWith('dist/rt/'));
console.log(`build${release ? ' (release)' : ''}: done in ${Date.now() - started} ms; ${[line('dist/rt.js'), ...chunks.map(line)].join('; ')}`);
// What pages download (the budget of issue 6, see docs/benchmarks.md): rt.js with its static imports,
// and with the chunks of <rt-chart> and <rt-event-log> and theirs.
const closure = (file, into = new Set()) => {
  if (into.has(file)) return into;
  into.add(file);
  for (const i of chunkGraph[file].imports) if (i.kind === 'import-statement') closure(i.path, into);
  return into;
};
const lazyChunk = (name) => chunkGraph['dist/rt.js'].imports.find((i) => i.kind === 'dynamic-import' && i.path.startsWith(`dist/rt/${name}-`))?.path;
const metricPage = closure('dist/rt.js');
const allThree = new Set(metricPage);
for (const name of ['rt-chart', 'rt-event-log']) if (lazyChunk(name)) closure(lazyChunk(name), allThree);
const page = (files) => {
  const sum = (key) => [...files].reduce((n, f) => n + sizes.get(f)[key], 0);
  return `${kib(sum('gzip'))} KiB gzip, ${kib(sum('br'))} br in ${files.size} files`;
};
console.log(`build: a metric-only page downloads ${page(metricPage)}; a page with all three elements ${page(allThree)}`);
if (analyze) {
  // Each input's share of a page's gzip bytes: a file's gzip size split in proportion to the bytes
  // each input left in esbuild's output of it (terser shrinks all of them alike, give or take).
  const shares = (files) => {
    const byInput = new Map();
    for (const file of files) {
      const inputs = Object.entries(chunkGraph[file].inputs);
      const total = inputs.reduce((n, [, v]) => n + v.bytesInOutput, 0) || 1;
      for (const [input, { bytesInOutput }] of inputs) {
        const name = input.replace(/^.*node_modules\//, '');
        byInput.set(name, (byInput.get(name) ?? 0) + (bytesInOutput / total) * sizes.get(file).gzip);
      }
    }
    return [...byInput].filter(([, n]) => n >= 1).sort((a, b) => b[1] - a[1]);
  };
  for (const [title, files] of [['metric-only page', metricPage], ['all three elements', allThree]]) {
    console.log(`\n${title}: gzip bytes by input (${[...files].map((f) => basename(f)).join(', ')})`);
    for (const [name, n] of shares(files)) console.log(`${Math.round(n).toString().padStart(7)}  ${name}`);
  }
}
