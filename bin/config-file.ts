/**
 * The config file (RT_CONFIG / --config): one JSON file whose top-level keys
 * are sections (`rules` today, `tenants` next). One JSON Schema,
 * schema/rt-config.schema.json, checks the shape (users can point their
 * editor at it with "$schema"); each section then checks what a schema
 * cannot say (a route's `{n}` exceeds the pattern's wildcards) and compiles
 * itself. Every problem names its exact path, e.g.
 * `rules[1].windows[0]: must be a duration such as "10s"`.
 *
 * Adding a section: describe it under "properties" in the schema, add its
 * compiled type to `ConfigFile`, and add an entry to `SECTIONS`.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { topicProblem } from '../protocol/index.js';
import { parseDuration } from '../processor/duration.js';
import { RuleSet, type RuleSpec } from '../processor/rules.js';
import { patternProblem } from '../processor/topic-pattern.js';
import { adminSection, authSection, crossTenantRoutes, limitsSection, tenantsSection, tenantTimeoutProblems, type AdminSettings, type LimitSettings, type TenantSpec } from './tenants-section.js';
import type { AuthSettings } from '../gateway/tenants.js';

/** The compiled config file. A section missing from the file is absent here. */
export interface ConfigFile {
  /** Where it was read from. */
  path: string;
  rules?: RuleSet;
  /** Tenants (bin/tenants-section.ts); absent = development mode. */
  tenants?: TenantSpec[];
  limits?: LimitSettings;
  auth?: AuthSettings;
  admin?: AdminSettings;
}

/** One thing wrong with a config file, at a path such as `rules[1].windows[0]`. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** A config file that cannot be used; `problems` lists each with its path. */
export class ConfigFileError extends Error {
  readonly code = 'config_file_invalid';
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`config file ${file}:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  }
}

/** Shortest window: shorter ones would publish a flood of aggregate messages. */
const MIN_WINDOW_MS = 100;
/** Longest window or grace period. */
const MAX_WINDOW_MS = 86_400_000;

export interface Section<T> {
  /** Checks what the schema cannot and compiles; pushes problems instead of throwing. */
  compile(raw: unknown, path: string, problems: ConfigProblem[]): T;
}

const rulesSection: Section<RuleSet> = {
  compile(raw, path, problems) {
    const specs = raw as RuleSpec[];
    specs.forEach((rule, i) => {
      const at = `${path}[${i}]`;
      const patternIssue = patternProblem(rule.match);
      if (patternIssue) problems.push({ path: `${at}.match`, message: patternIssue });
      const wildcards = rule.match.split('.').filter((s) => s === '*').length;
      if (rule.route !== undefined) {
        const refs = [...rule.route.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1]));
        const beyond = refs.find((n) => n < 1 || n > wildcards);
        if (beyond !== undefined) {
          problems.push({ path: `${at}.route`, message: `{${beyond}} refers to a "*" that "${rule.match}" does not have (it has ${wildcards})` });
        } else {
          const issue = topicProblem(rule.route.replace(/\{\d+\}/g, 'x'));
          if (issue) problems.push({ path: `${at}.route`, message: issue.replace(/^topic/, 'route') });
        }
      }
      if (rule.aggregate && !rule.windows) problems.push({ path: `${at}.windows`, message: 'is required with "aggregate" (e.g. ["10s"])' });
      if (rule.windows && !rule.aggregate) problems.push({ path: `${at}.aggregate`, message: 'is required with "windows" (e.g. ["count", "avg"])' });
      if (!rule.route && !rule.aggregate && !rule.windows) problems.push({ path: at, message: 'does nothing: give it a "route", or "aggregate" and "windows"' });
      if (rule.grace !== undefined && !rule.aggregate) problems.push({ path: `${at}.grace`, message: 'only applies to a rule with "aggregate"' });
      if (rule.field !== undefined && !rule.aggregate) problems.push({ path: `${at}.field`, message: 'only applies to a rule with "aggregate"' });
      rule.windows?.forEach((w, j) => {
        const ms = parseDuration(w)!;
        if (ms < MIN_WINDOW_MS || ms > MAX_WINDOW_MS) problems.push({ path: `${at}.windows[${j}]`, message: `must be from ${MIN_WINDOW_MS}ms to 1d, got "${w}"` });
      });
      if (rule.grace !== undefined && parseDuration(rule.grace)! > MAX_WINDOW_MS) problems.push({ path: `${at}.grace`, message: `must be at most 1d, got "${rule.grace}"` });
    });
    return new RuleSet(specs);
  },
};

const SECTIONS: { [K in Exclude<keyof ConfigFile, 'path'>]-?: Section<NonNullable<ConfigFile[K]>> } = {
  rules: rulesSection,
  tenants: tenantsSection,
  limits: limitsSection,
  auth: authSection,
  admin: adminSection,
};

const SCHEMA_URL = new URL('../../schema/rt-config.schema.json', import.meta.url);
let validator: ReturnType<Ajv['compile']> | null = null;

function validate(data: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    ajv.addKeyword('x-error');
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')));
  }
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

/** `/rules/1/windows/0` → `rules[1].windows[0]`. */
function pathOf(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

function join(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (path === '' ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key.slice(0, 40))}]`;
}

function describe(error: ErrorObject): ConfigProblem {
  const path = pathOf(error.instancePath);
  const custom = (error.parentSchema as { 'x-error'?: string } | undefined)?.['x-error'];
  const where = path === '' ? '(top level)' : path;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {}).filter((k) => k !== '$schema');
      return { path: join(path, key), message: `unknown ${path === '' ? 'section' : 'key'}; allowed: ${allowed.join(', ')}` };
    }
    case 'required':
      return { path: join(path, (error.params as { missingProperty: string }).missingProperty), message: 'is required' };
    case 'type': {
      const type = (error.params as { type: string }).type;
      return { path: where, message: `must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}` };
    }
    case 'enum':
      return { path: where, message: custom ?? `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
    case 'uniqueItems': {
      // Ajv reports the later index as i and the earlier as j.
      const { i, j } = error.params as { i: number; j: number };
      return { path: `${path}[${Math.max(i, j)}]`, message: `repeats ${path}[${Math.min(i, j)}]` };
    }
    default:
      return { path: where, message: custom ?? error.message ?? 'is invalid' };
  }
}

/** Validates and compiles parsed config JSON; throws ConfigFileError listing every problem. */
export function compileConfigFile(data: unknown, file: string): ConfigFile {
  const errors = validate(data);
  if (errors.length > 0) {
    // allErrors reports a failing `$ref`d pattern once per keyword; list each path/message once.
    const seen = new Set<string>();
    const problems = errors.map(describe).filter((p) => !seen.has(`${p.path}\u0000${p.message}`) && seen.add(`${p.path}\u0000${p.message}`));
    throw new ConfigFileError(file, problems.slice(0, 50));
  }
  const raw = data as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  const out: ConfigFile = { path: file };
  for (const [name, section] of Object.entries(SECTIONS)) {
    if (raw[name] !== undefined) (out as unknown as Record<string, unknown>)[name] = section.compile(raw[name], name, problems);
  }
  // Sections that only make sense together: no rule may carry one tenant's events into another's namespace.
  if (out.tenants && raw.rules) problems.push(...crossTenantRoutes(raw.rules as RuleSpec[], out.tenants));
  if (out.tenants) problems.push(...tenantTimeoutProblems(out.tenants, out.limits));
  if (problems.length > 0) throw new ConfigFileError(file, problems.slice(0, 50));
  return out;
}

/** Reads, parses, validates and compiles a config file. */
export function loadConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    throw new ConfigFileError(file, [{ path: '(file)', message: err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code ?? err.message})` }]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(file, [{ path: '(file)', message: `is not valid JSON: ${(error as Error).message}` }]);
  }
  return compileConfigFile(data, file);
}
