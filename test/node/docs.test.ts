/**
 * Docs are part of the product: the configuration reference must name every
 * key the code reads, with its real default.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONFIG_KEYS, DEFAULTS } from '../../bin/config.js';

const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

test('docs/configuration.md documents every configuration key with its option and default', () => {
  for (const spec of CONFIG_KEYS) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${spec.env}\``));
    assert.ok(row, `${spec.env} has a row`);
    assert.ok(row.includes(`\`--${spec.flag}\``), `${spec.env} row names --${spec.flag}`);
    const def = DEFAULTS[spec.key];
    if (typeof def === 'number' || typeof def === 'boolean') assert.ok(row.includes(`\`${def}\``), `${spec.env} row shows default ${def}`);
  }
});
