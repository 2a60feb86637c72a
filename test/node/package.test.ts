/**
 * What `npm pack` ships: the built widgets with their typings and manifest,
 * the services, and nothing a stranger does not need (tests, benchmarks,
 * build state, CI scripts). Reads the dry run of the real `npm pack`, so it
 * checks the `files` list and `exports` as npm applies them. Needs a build.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  types: string;
  customElements: string;
  dependencies: Record<string, string>;
};
// --ignore-scripts: the test checks what the last build made; prepack's release build is not needed for the list.
const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as [{ files: { path: string }[] }];
const files = new Set(packed.files.map((f) => f.path));
const norm = (p: string) => p.replace(/^\.\//, '');

test('the package contains the widget bundle, its type declarations and the custom elements manifest', () => {
  for (const path of ['dist/rt.js', 'dist/types/widgets/index.d.ts', 'dist/types/widgets/react/index.d.ts', 'dist/types/widgets/vue/index.d.ts', 'dist/custom-elements.json', 'dist/bin/rt.js', 'demo/index.html', 'demo/embed.html']) {
    assert.ok(files.has(path), `${path} is packed`);
  }
  assert.ok([...files].some((f) => /^dist\/rt\/rt-chart-[\w-]+\.js$/.test(f)), 'the lazy <rt-chart> chunk is packed');
  const tags = readFileSync(join(root, 'dist/types/widgets/metric/rt-metric.d.ts'), 'utf8');
  assert.match(tags, /interface HTMLElementTagNameMap[\s\S]*'rt-metric': RtMetric/);
  assert.match(readFileSync(join(root, 'dist/types/widgets/react/jsx.d.ts'), 'utf8'), /declare module 'react'[\s\S]*IntrinsicElements[\s\S]*'rt-chart'/);
  assert.match(readFileSync(join(root, 'dist/types/widgets/vue/index.d.ts'), 'utf8'), /declare module 'vue'[\s\S]*GlobalComponents[\s\S]*'rt-event-log'/);
});

test('the custom elements manifest describes the three elements with their attributes, events and parts', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'dist/custom-elements.json'), 'utf8')) as {
    modules: { declarations?: { tagName?: string; attributes?: { name: string }[]; events?: { name: string }[]; cssParts?: unknown[] }[] }[];
  };
  const elements = new Map(manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.tagName).map((d) => [d.tagName!, d]));
  // The three widgets, and <rt-series>, the chart's child element that names and styles a series.
  assert.deepEqual([...elements.keys()].sort(), ['rt-chart', 'rt-event-log', 'rt-metric', 'rt-series']);
  for (const tag of ['rt-chart', 'rt-event-log', 'rt-metric']) {
    const d = elements.get(tag)!;
    const attributes = (d.attributes ?? []).map((a) => a.name);
    for (const name of ['gateway', 'theme', 'stale-after', 'label']) assert.ok(attributes.includes(name), `${tag} documents ${name}`);
    assert.deepEqual((d.events ?? []).map((e) => e.name).sort(), ['rt-error', 'rt-status'], `${tag} events`);
    assert.ok((d.cssParts ?? []).length >= 5, `${tag} parts`);
  }
});

test('every export, the types entry, the manifest and the bin point at packed files', () => {
  const targets = [pkg.types, pkg.customElements, ...Object.values(pkg.bin)];
  for (const entry of Object.values(pkg.exports)) targets.push(...(typeof entry === 'string' ? [entry] : Object.values(entry)));
  for (const target of targets) {
    if (target === './package.json') continue;
    assert.ok(files.has(norm(target)), `${target} is packed`);
  }
});

test('the package ships no tests, benchmarks (the load generator aside: `rt loadgen`), sources, build state or CI scripts', () => {
  assert.ok(files.has('dist/bench/loadgen/main.js'), 'rt loadgen is packed');
  const unwanted = [...files].filter((f) =>
    /(^|\/)test(s)?\//.test(f) || /\.test\./.test(f) || (f.startsWith('dist/bench/') && !/^dist\/bench\/loadgen\/[\w-]+\.js$/.test(f)) || f.startsWith('bench/') || f.startsWith('.ci/') ||
    /\.tsbuildinfo|\.build-stamp/.test(f) || (/\.ts$/.test(f) && !f.endsWith('.d.ts')) || /\.map\.(br|gz)$/.test(f) || f.startsWith('node_modules/'),
  );
  assert.deepEqual(unwanted, []);
});

test('every runtime dependency is used by the packed code or its type declarations', () => {
  // lit, uplot and the virtualizer are bundled into rt.js, but the declarations import their types.
  const code = [...files].filter((f) => f.endsWith('.js') || f.endsWith('.d.ts')).map((f) => readFileSync(join(root, f), 'utf8')).join('\n');
  // Imports, dynamic imports, and pino transport targets (a module name in a string).
  const unused = Object.keys(pkg.dependencies).filter((name) => !code.includes(`'${name}'`) && !code.includes(`"${name}"`) && !code.includes(`'${name}/`) && !code.includes(`"${name}/`));
  assert.deepEqual(unused, []);
});
