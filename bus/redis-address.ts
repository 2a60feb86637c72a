/**
 * The forms REDIS_URL takes, parsed once:
 *   redis://[user:pass@]host:port[/db]          one Redis (standalone, or a Cluster node)
 *   redis://host:port,host:port                 seed nodes of a Redis Cluster (each may repeat redis://)
 *   redis+sentinel://[user:pass@]host:port[,host:port…]/master-name
 *                                               Sentinels that know the master `master-name`
 * `rediss` / `rediss+sentinel` use TLS to the data nodes. Credentials in a
 * sentinel URL are those of the data nodes; the Sentinels are asked without.
 */

export interface RedisNodeAddress {
  host: string;
  port: number;
}

export type RedisAddress =
  | { kind: 'single'; url: string }
  | { kind: 'seeds'; urls: string[] }
  | { kind: 'sentinel'; sentinels: RedisNodeAddress[]; masterName: string; tls: boolean; username: string; password: string };

/** A REDIS_URL that cannot be used; the message says what it must be (the caller names the value). */
export class RedisAddressError extends Error {
  readonly code = 'redis_url_invalid';
}

function hostPort(raw: string, defaultPort: number, whole: string): RedisNodeAddress {
  const match = /^(\[[^\]]+\]|[^:/[\]]+)(?::(\d{1,5}))?$/.exec(raw);
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (!match || port < 1 || port > 65535) throw new RedisAddressError(`must list Sentinels or seed nodes as host:port; "${raw}" is not (in ${JSON.stringify(whole)})`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

/** Parses REDIS_URL (see the module comment for its forms). */
/** Percent-decodes a part of the address; a malformed escape (`%` not followed by two hex digits) is a RedisAddressError. */
function decoded(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RedisAddressError(`has a malformed %-escape in ${what} (write % as %25)`);
  }
}

export function parseRedisAddress(raw: string): RedisAddress {
  const text = raw.trim();
  const sentinel = /^(rediss?)\+sentinel:\/\/(?:([^@/]*)@)?([^/]*)\/([^/?#]*)\/?$/i.exec(text);
  if (sentinel) {
    const [, scheme, auth = '', hosts, name] = sentinel;
    const masterName = decoded(name, 'the master name');
    if (masterName === '') throw new RedisAddressError('must end with /<master-name> after the Sentinels, as in redis+sentinel://host:26379/mymaster');
    const sentinels = hosts.split(',').filter((h) => h.trim() !== '').map((h) => hostPort(h.trim(), 26379, raw));
    if (sentinels.length === 0) throw new RedisAddressError('must name at least one Sentinel, as in redis+sentinel://host:26379/mymaster');
    const colon = auth.indexOf(':');
    return {
      kind: 'sentinel',
      sentinels,
      masterName,
      tls: scheme.toLowerCase() === 'rediss',
      username: decoded(colon < 0 ? auth : auth.slice(0, colon), 'the user name'),
      password: colon < 0 ? '' : decoded(auth.slice(colon + 1), 'the password'),
    };
  }
  if (/^[a-z0-9+]+:\/\//i.test(text) && !/^rediss?:\/\//i.test(text)) throw new RedisAddressError('must use redis://, rediss:// or redis+sentinel://');
  if (!text.includes(',')) return { kind: 'single', url: checkedUrl(text, raw) };
  // Seed list: "redis://a:1,b:2" or "redis://a:1,redis://b:2"; later items inherit the first one's scheme and credentials.
  const first = checkedUrl(text.slice(0, text.indexOf(',')), raw);
  const base = new URL(first);
  const urls = [first];
  for (const item of text.slice(text.indexOf(',') + 1).split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    if (/^rediss?:\/\//i.test(trimmed)) {
      urls.push(checkedUrl(trimmed, raw));
      continue;
    }
    const { host, port } = hostPort(trimmed, 6379, raw);
    const url = new URL(base.toString());
    url.hostname = host.includes(':') ? `[${host}]` : host;
    url.port = String(port);
    urls.push(url.toString().replace(/\/$/, ''));
  }
  return { kind: 'seeds', urls };
}

function checkedUrl(text: string, _whole: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisAddressError('must be a URL like redis://host:6379');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new RedisAddressError('must use redis://, rediss:// or redis+sentinel://');
  if (!url.hostname) throw new RedisAddressError('must name a host, as in redis://host:6379');
  return text;
}

/** The URL of a data node found through Sentinel, with the sentinel URL's scheme and credentials. */
export function nodeUrl(address: Extract<RedisAddress, { kind: 'sentinel' }>, node: RedisNodeAddress): string {
  const auth = address.username || address.password ? `${encodeURIComponent(address.username)}${address.password ? `:${encodeURIComponent(address.password)}` : ''}@` : '';
  const host = node.host.includes(':') ? `[${node.host}]` : node.host;
  return `${address.tls ? 'rediss' : 'redis'}://${auth}${host}:${node.port}`;
}
