/**
 * Lua scripts run by the Redis bus. Each touches keys of one hash tag only,
 * so each runs in one Cluster slot and is atomic.
 */
import { createHash } from 'node:crypto';

export interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const NEWER = `
local function newer(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  if am ~= bm then return am > bm end
  return as > bs
end
`;

/**
 * Appends a message to a topic's history stream and publishes `<id> <body>`
 * on its channel, in one step. Each entry also records the id of the entry
 * before it (field "p"), so a reader resuming after an id can tell whether
 * retention removed anything in between (see RedisBroker.history). With a source mark ("p/id") it first checks
 * that the source is newer than the last one published for this topic, and
 * returns false without doing anything when it is not (a redo after a crash).
 *   KEYS: history stream, source mark
 *   ARGV: channel, maxlen, body, source partition ('' = none), source id
 */
export const PUBLISH = script(`${NEWER}
if ARGV[4] ~= '' then
  local last = redis.call('GET', KEYS[2])
  if last then
    local slash = string.find(last, '/', 1, true)
    if string.sub(last, 1, slash - 1) == ARGV[4] and not newer(ARGV[5], string.sub(last, slash + 1)) then
      return false
    end
  end
  redis.call('SET', KEYS[2], ARGV[4] .. '/' .. ARGV[5])
end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = ''
if newest[1] then prev = newest[1][1] end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'b', ARGV[3], 'p', prev)
redis.call('PUBLISH', ARGV[1], id .. ' ' .. ARGV[3])
return id
`);

/**
 * Takes or renews a partition lease.
 *   KEYS: lease key   ARGV: owner, ttl ms   returns 1 when owner holds it
 */
export const LEASE = script(`
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`);

/** Deletes a lease only if `owner` holds it.  KEYS: lease key  ARGV: owner */
export const RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`);

/**
 * Renews a processor's presence and counts the live ones, dropping expired.
 * Times come from the Redis server's clock, so processors on hosts with
 * skewed clocks still agree on who is live.
 *   KEYS: processors sorted set   ARGV: member, ttl ms
 */
export const PRESENCE = script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('ZCARD', KEYS[1])
`);

/** EVALSHA, falling back to EVAL once when the script cache is empty (fresh or failed-over Redis). */
export async function runScript(client: { sendCommand(args: string[]): Promise<unknown> }, script: Script, keys: string[], args: string[]): Promise<unknown> {
  try {
    return await client.sendCommand(['EVALSHA', script.sha, String(keys.length), ...keys, ...args]);
  } catch (error) {
    if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
    return client.sendCommand(['EVAL', script.source, String(keys.length), ...keys, ...args]);
  }
}

/**
 * Publishes several messages of one topic in one call: for each, the same
 * steps as PUBLISH (duplicate check against the source mark, XADD with the
 * predecessor's id, PUBLISH `<id> <body>`), in order. The processor sends a
 * topic's messages of one read batch through one call instead of one per
 * message. Returns each new id, or '' where a message was skipped as a
 * duplicate of its source.
 *   KEYS: history stream, source mark
 *   ARGV: channel, maxlen, then per message: body, source partition ('' = none), source id
 */
export const PUBLISH_BATCH = script(`${NEWER}
local last = redis.call('GET', KEYS[2])
local lastp, lastid
if last then
  local slash = string.find(last, '/', 1, true)
  lastp, lastid = string.sub(last, 1, slash - 1), string.sub(last, slash + 1)
end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = ''
if newest[1] then prev = newest[1][1] end
local out = {}
local marked = false
for i = 3, #ARGV, 3 do
  local body, sp, sid = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local skip = false
  if sp ~= '' then
    if lastp == sp and not newer(sid, lastid) then
      skip = true
    else
      lastp, lastid, marked = sp, sid, true
    end
  end
  if skip then
    out[#out + 1] = ''
  else
    prev = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'b', body, 'p', prev)
    redis.call('PUBLISH', ARGV[1], prev .. ' ' .. body)
    out[#out + 1] = prev
  end
end
if marked then redis.call('SET', KEYS[2], lastp .. '/' .. lastid) end
return out
`);

/**
 * Acknowledges entries of an ingest partition and stores the partition's
 * window checkpoint in one step (the keys share the partition's hash tag),
 * unless another processor holds the partition's lease: then nothing is
 * done and 0 is returned, so a processor that lost a partition cannot
 * overwrite its new owner's checkpoint.
 *   KEYS: ingest stream, checkpoint key, lease key
 *   ARGV: owner, group, checkpoint ('' = leave it), then the entry ids
 */
export const COMMIT = script(`
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[1] then return 0 end
if #ARGV > 3 then redis.call('XACK', KEYS[1], ARGV[2], unpack(ARGV, 4)) end
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3]) end
return 1
`);

/**
 * A consumer-group read of one partition fenced by its lease: refused (-1)
 * when another processor holds the lease, so a processor that lost a
 * partition (a pause longer than the lease) cannot take entries the new
 * owner has already moved on from. Otherwise returns the entries, or, when
 * there are none, the id of the stream's newest entry (for a blocking wait
 * after it).
 *   KEYS: ingest stream, lease key
 *   ARGV: owner, group, consumer, count, '>' (new) or '0' (own pending)
 */
export const FENCED_READ = script(`
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return -1 end
local r = redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', ARGV[4], 'STREAMS', KEYS[1], ARGV[5])
if r and #r[1][2] > 0 then return r[1][2] end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if newest[1] then return newest[1][1] end
return '0-0'
`);
