#!/usr/bin/env node
/**
 * The `rt` command: `rt start` runs everything in one process; `rt ingest`,
 * `rt processor` and `rt gateway` run one service each against Redis.
 */
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { redactUrl } from '../bus/index.js';
import { startServices, type Role, type RunningApp } from './app.js';
import { CONFIG_KEYS, ConfigError, DEFAULTS, loadConfig, type Config } from './config.js';
import { ConfigFileError, loadConfigFile, type ConfigFile } from './config-file.js';
import { runTokenCommand } from './token-command.js';

const COMMANDS: Record<string, { roles: Role[]; summary: string }> = {
  start: { roles: ['ingest', 'processor', 'gateway'], summary: 'everything in one process (demo + data generator; in-memory bus unless REDIS_URL is set)' },
  ingest: { roles: ['ingest'], summary: 'the HTTP ingest API (POST /v1/events) — needs REDIS_URL' },
  processor: { roles: ['processor'], summary: 'the stream processor — needs REDIS_URL; with --port also /healthz and /metrics' },
  gateway: { roles: ['gateway'], summary: 'the WebSocket gateway (/ws), the widget bundle (/rt.js) and the demo page — needs REDIS_URL' },
};

function usage(): string {
  const lines = [
    'Usage: rt <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    `  ${'loadgen'.padEnd(10)} load and smoke test a gateway with many clients (rt loadgen --help)`,
    `  ${'token'.padEnd(10)} --config FILE --tenant ID --topics "acme.orders.*,acme.cpu.**" [--ttl 10m] [--kid K]: print a signed token (HS256 keys)`,
    `  ${'key'.padEnd(10)} --config FILE --tenant ID (or --admin): print a new ingest key (or admin token) and the hash line for the config`,
    '',
    'Options (each also read from the environment variable shown; the option wins):',
    ...CONFIG_KEYS.map((k) => {
      const flag = k.kind === 'bool' ? `--${k.flag} / --no-${k.flag}` : `--${k.flag} <value>`;
      const def = DEFAULTS[k.key];
      const shown = def === null ? '' : ` [default: ${Array.isArray(def) ? def.join(',') : def}]`;
      return `  ${flag.padEnd(30)} ${k.env.padEnd(22)} ${k.doc}${shown}`;
    }),
    `  ${'--pretty / --json'.padEnd(30)} ${''.padEnd(22)} log lines readable by people / JSON lines [default: --pretty on a terminal, JSON otherwise]`,
    `  ${'-h, --help'.padEnd(30)} ${''.padEnd(22)} show this help`,
    '',
    'Docs: docs/configuration.md, docs/operations.md',
  ];
  return lines.join('\n');
}

/**
 * JSON lines for machines (log shippers, `docker logs | jq`); pino-pretty's
 * coloured lines when a person watches the terminal. `--json` / `--pretty` decide
 * when the TTY guess is wrong.
 */
function createLogger(level: string, flags: Record<string, string | boolean | undefined>): Logger {
  const pretty = flags.pretty === true || (flags.json !== true && process.stdout.isTTY === true);
  if (!pretty) return pino({ level });
  return pino({ level, transport: { target: 'pino-pretty', options: { colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true } } });
}

function fail(message: string): never {
  process.stderr.write(`rt: ${message}\n`);
  process.exit(2);
}

function parse(argv: string[]): { command: string | null; flags: Record<string, string | boolean | undefined>; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' }, pretty: { type: 'boolean' }, json: { type: 'boolean' } };
  for (const k of CONFIG_KEYS) {
    options[k.flag] = { type: k.kind === 'bool' ? 'boolean' : 'string' };
    if (k.kind === 'bool') options[`no-${k.flag}`] = { type: 'boolean' };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const name = /'(-[^']*)'/.exec(err.message)?.[1];
    const what =
      err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown option ${name}` :
      err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? `option ${name ?? ''} needs a value` :
      err.message.split('\n')[0];
    fail(`${what}\nRun "rt --help" for the list of options.`);
  }
  const flags: Record<string, string | boolean | undefined> = { ...parsed.values };
  for (const k of CONFIG_KEYS) {
    if (k.kind === 'bool' && flags[`no-${k.flag}`]) flags[k.flag] = false;
  }
  if (parsed.positionals.length > 1) fail(`expected one command, got "${parsed.positionals.join(' ')}"`);
  return { command: parsed.positionals[0] ?? null, flags, help: Boolean(parsed.values.help) };
}

async function main(): Promise<void> {
  if (process.argv[2] === 'loadgen') {
    // The load generator lives with the benchmarks (and ships in the package); loaded only when asked for.
    const { loadgenMain } = await import('../bench/loadgen/main.js').catch((error: Error) =>
      fail(`rt loadgen could not be loaded (${error.message}); reinstall rt-dashboard, or in a checkout run npm ci && npm run build`),
    );
    process.exit(await loadgenMain(process.argv.slice(3)));
  }
  // Tools that start no service have options of their own.
  const first = process.argv[2];
  if (first === 'token' || first === 'key') {
    process.exitCode = await runTokenCommand(first, process.argv.slice(3));
    return;
  }
  const { command, flags, help } = parse(process.argv.slice(2));
  if (help || command === 'help') {
    process.stdout.write(usage() + '\n');
    return;
  }
  if (command === null) {
    process.stderr.write(usage() + '\n');
    process.exitCode = 2;
    return;
  }
  const spec = COMMANDS[command];
  if (!spec) fail(`unknown command "${command}"; expected one of ${Object.keys(COMMANDS).join(', ')}`);

  let config: Config;
  try {
    config = loadConfig(process.env, flags);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  let configFile: ConfigFile | undefined;
  try {
    if (config.configFile) configFile = loadConfigFile(config.configFile);
  } catch (error) {
    if (error instanceof ConfigFileError) fail(error.message);
    throw error;
  }
  if (command !== 'start' && !config.redisUrl) {
    fail(`rt ${command} runs as a separate process and needs Redis: set REDIS_URL (or --redis). To run everything in one process without Redis, use "rt start".`);
  }

  const log = createLogger(config.logLevel, flags);
  let app: RunningApp;
  try {
    // A processor has nothing to serve but health and metrics: it listens only when given a port.
    const http = command === 'processor' && (flags.port !== undefined || Boolean(process.env.PORT));
    app = await startServices({ config, roles: spec.roles, generator: command === 'start' && config.demo, http, log, configFile });
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') fail(`port ${config.port} on ${config.host} is already in use; pick another with --port or PORT`);
    if (err.code === 'EACCES') fail(`not allowed to listen on ${config.host}:${config.port}`);
    fail(`could not start: ${err.message}`);
  }

  const where = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${app.port}`;
  const bus = config.redisUrl ? `Redis at ${redactUrl(config.redisUrl)}` : 'the in-memory bus';
  const lines = [`rt ${command} running on ${bus}`];
  if (spec.roles.includes('gateway') && config.demo) lines.push(`  dashboard   ${where}/`, `  examples    ${where}/embed.html  ${where}/react.html  ${where}/vue.html`);
  if (spec.roles.includes('gateway')) lines.push(`  widgets     ${where}/rt.js`, `  websocket   ${where.replace('http', 'ws')}/ws`);
  if (spec.roles.includes('ingest')) lines.push(`  ingest      POST ${where}/v1/events`);
  if (app.port !== null) lines.push(`  health      ${where}/healthz`);
  const tenants = configFile?.tenants;
  if (tenants) {
    lines.push(`  tenants     ${tenants.length} (${tenants.map((t) => t.id).slice(0, 5).join(', ')}${tenants.length > 5 ? ', …' : ''}): tokens required for private topics, ingest keys for POST /v1/events`);
  } else if (spec.roles.includes('gateway') || spec.roles.includes('ingest')) {
    const origins = config.allowedOrigins.includes('*') ? 'open to every origin' : `origins ${config.allowedOrigins.join(', ')}`;
    lines.push(
      `  DEV MODE: ${origins}, no authentication: anyone who reaches this port may publish to and read every topic.`,
      '  Add a "tenants" section to a config file (RT_CONFIG / --config, see docs/security.md) before exposing this.',
    );
  }
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void app.close().then(() => process.exit(0));
  };
  // SIGHUP re-reads the config file; a file that does not validate is refused and the running one stays.
  process.on('SIGHUP', () => {
    if (!config.configFile) {
      log.warn({ signal: 'SIGHUP' }, 'SIGHUP ignored: no config file (RT_CONFIG / --config) to reload');
      return;
    }
    try {
      app.reload(loadConfigFile(config.configFile));
      log.info({ file: config.configFile }, `config file ${config.configFile} reloaded`);
    } catch (error) {
      const problems = error instanceof ConfigFileError ? error.problems : [{ path: '(file)', message: (error as Error).message }];
      log.error({ file: config.configFile, code: 'config_file_invalid', problems }, `config file ${config.configFile} refused on reload; keeping the running configuration: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    }
  });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: Error) => fail(error.message));
