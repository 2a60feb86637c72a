#!/usr/bin/env node
/**
 * `npm run loadgen` / `rt loadgen`: runs one load against a server and prints
 * a readable table, then the JSON result (also written to --json).
 * Exit code 1 when anything owed was lost or duplicated, 2 on bad options.
 */
import { writeFileSync } from 'node:fs';
import { LoadOptionError, loadUsage, parseLoadArgs } from './options.js';
import { formatLoadResult } from './report.js';
import { runLoad } from './run.js';

export async function loadgenMain(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseLoadArgs(argv);
  } catch (error) {
    if (error instanceof LoadOptionError) {
      process.stderr.write(`loadgen: ${error.message} [${error.code}]\nRun with --help for the options.\n`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(loadUsage() + '\n');
    return 0;
  }
  const result = await runLoad(options, (line) => process.stderr.write(`loadgen: ${line}\n`));
  process.stdout.write(formatLoadResult(result) + '\n');
  const json = JSON.stringify(result, null, 2);
  if (options.json) writeFileSync(options.json, json + '\n');
  else process.stdout.write(json + '\n');
  return result.lost === 0 && result.duplicates === 0 && result.failed === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  loadgenMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`loadgen: ${error.message}\n`);
      process.exit(1);
    },
  );
}
