/**
 * Lua scripts run by the Redis bus. Each touches keys of one hash tag only,
 * so each runs in one Cluster slot and is atomic; POSITIONS, which reads
 * several topics at once, is only sent to a single Redis.
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
 * Takes or renews a partition lease: when free, held by `owner`, or held by
 * an owner starting with the take-over prefix (a restarted processor's
 * earlier tokens).
 *   KEYS: lease key   ARGV: owner, ttl ms, take-over prefix ('' = none)   returns 1 when owner holds it
 */
export const LEASE = script(`
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] or (ARGV[3] ~= '' and string.sub(holder, 1, #ARGV[3]) == ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`);

/** Deletes a lease only if `owner` holds it.  KEYS: lease key  ARGV: owner */
/**
 * Renews a lease only while `owner` holds it (an expired lease is not
 * taken again here: see Coordination.renewLease).
 *   KEYS: lease key   ARGV: owner, ttl ms   returns 1 when renewed
 */
export const RENEW = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

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

/**
 * Appends a batch of events to one ingest partition (group commit: the
 * events of every request of one event-loop turn), skipping duplicates.
 * Idempotency keys share the partition's hash tag and are claimed with
 * SET NX PX. An event is skipped when its request key was claimed before
 * this call, or its id was claimed before (in this call too).
 *   KEYS: ingest stream, idempotency keys...
 *   ARGV: window ms, then per event: request key index (0 = none), id key
 *         index (0 = none), field count, fields...
 *   returns per event its new id, or nil when skipped
 */
export const APPEND = script(`
local window = ARGV[1]
local claimed = {}
local function claim(k)
  return redis.call('SET', KEYS[k], '1', 'NX', 'PX', window) ~= false
end
-- A request key covers all its events: the first claim decides for all.
local function requestDuplicate(k)
  if k == 0 then return false end
  if claimed[k] == nil then claimed[k] = claim(k) end
  return not claimed[k]
end
-- An event id covers one event: a second use, even in this call, is a duplicate.
local function idDuplicate(k)
  if k == 0 then return false end
  if claimed[k] ~= nil then return true end
  claimed[k] = true
  return not claim(k)
end
local ids = {}
local n = 0
local i = 2
while i <= #ARGV do
  local fields = tonumber(ARGV[i + 2])
  n = n + 1
  local byRequest = requestDuplicate(tonumber(ARGV[i]))
  local byId = idDuplicate(tonumber(ARGV[i + 1]))
  if byRequest or byId then
    ids[n] = false
  else
    ids[n] = redis.call('XADD', KEYS[1], '*', unpack(ARGV, i + 3, i + 2 + fields))
  end
  i = i + 3 + fields
end
return ids
`);

/**
 * Trims an ingest partition to what some consumer group still needs and
 * reports what is left. For each group the oldest entry it still needs is its
 * oldest pending (delivered, unacknowledged) entry or, with none pending, the
 * first entry after its last-delivered id (never delivered yet); entries
 * before the oldest of those are removed with XTRIM MINID. A stream without
 * groups is left whole. Ages use the Redis server's clock, like the ids.
 *   KEYS: ingest stream   returns {entries kept, age of the oldest in ms}
 */
export const TRIM_ACKED = script(`
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local minms, minseq
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
  local ms, seq
  if info['pending'] > 0 then
    ms, seq = parse(redis.call('XPENDING', KEYS[1], info['name'])[2])
  else
    ms, seq = parse(info['last-delivered-id'])
    seq = seq + 1
  end
  if minms == nil or ms < minms or (ms == minms and seq < minseq) then minms, minseq = ms, seq end
end
if minms ~= nil then
  redis.call('XTRIM', KEYS[1], 'MINID', string.format('%.0f-%.0f', minms, minseq))
end
local len = redis.call('XLEN', KEYS[1])
if len == 0 then return {0, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local oldest = parse(redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1][1])
return {len, math.max(0, now - oldest)}
`);

/**
 * Trims a topic history to its retention: only entries older than the age
 * cutoff (Redis server clock), and never so many that fewer than `messages`
 * remain; and, whatever their age, to the hard cap of `cap` entries.
 * Approximate (`~`): whole stream nodes only, so a few more stay.
 *   KEYS: history stream   ARGV: messages, age ms, cap   returns entries removed
 */
export const TRIM_HISTORY = script(`
local length = redis.call('XLEN', KEYS[1])
local removed = 0
local cap = tonumber(ARGV[3])
if length > cap then
  removed = redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', cap)
  length = length - removed
end
local keep = tonumber(ARGV[1])
if length <= keep then return removed end
local t = redis.call('TIME')
local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[2])
if cutoff <= 0 then return removed end
return removed + redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%.0f', cutoff), 'LIMIT', length - keep)
`);

/** EVALSHA, falling back to EVAL once when the script cache is empty (fresh or failed-over Redis). */
export async function runScript<O>(
  client: { sendCommand(args: string[], options?: O): Promise<unknown> },
  script: Script,
  keys: string[],
  args: string[],
  /** node-redis command options (see CommandDeadlines), for both calls. */
  options?: () => O,
): Promise<unknown> {
  try {
    return await client.sendCommand(['EVALSHA', script.sha, String(keys.length), ...keys, ...args], options?.());
  } catch (error) {
    if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
    return client.sendCommand(['EVAL', script.source, String(keys.length), ...keys, ...args], options?.());
  }
}

/**
 * Publishes several messages of one topic in one call: each is checked
 * against the topic's source mark (skipped when its source entry is not newer
 * than the last one published: a redo after a crash) and appended to the
 * history, the first of the call with its predecessor's id (field "p"; the
 * others' predecessor is the entry before them in the same call, see
 * RedisBroker.history); then everything appended goes out in
 * ONE channel message of `<id> <body>` lines (JSON bodies hold no raw
 * newline). The processor sends a topic's messages of one read batch through
 * one call instead of one per message.
 *
 * Messages of one source must come in that source's order (the processor
 * sends them in read order): once one message of a source passed the check,
 * the later ones of that source in the call are newer by construction and
 * are not parsed and compared again. The hard length cap is applied by
 * TRIM_HISTORY, off this path.
 *
 * Returns each new id, or '' where a message was skipped. A history without
 * an epoch (new, or lost) gets the candidate epoch in the same step. A call
 * that skipped something writes the source mark again (unchanged when
 * nothing passed), so a `WAIT` after a redo on another connection covers
 * the entries an earlier attempt appended (Redis 7.0 counts the script call
 * itself too; the write keeps that from depending on the version).
 *   KEYS: history stream, source mark, epoch
 *   ARGV: channel, candidate epoch, then per message: body, source partition ('' = none), source id
 */
export const PUBLISH_BATCH = script(`${NEWER}
local last = redis.call('GET', KEYS[2])
local lastp, lastid
if last then
  local slash = string.find(last, '/', 1, true)
  lastp, lastid = string.sub(last, 1, slash - 1), string.sub(last, slash + 1)
end
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('SET', KEYS[3], ARGV[2]) end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = ''
if newest[1] then prev = newest[1][1] end
local out = {}
local lines = {}
local marked = false
local skipped = false
local passed = nil
for i = 3, #ARGV, 3 do
  local body, sp, sid = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local skip = false
  if sp ~= '' then
    if sp ~= passed then
      if lastp == sp and not newer(sid, lastid) then
        skip = true
      else
        passed = sp
      end
    end
    if not skip then lastp, lastid, marked = sp, sid, true end
  end
  if skip then
    skipped = true
    out[#out + 1] = ''
  else
    if #lines == 0 then
      prev = redis.call('XADD', KEYS[1], '*', 'b', body, 'p', prev)
    else
      prev = redis.call('XADD', KEYS[1], '*', 'b', body)
    end
    out[#out + 1] = prev
    lines[#lines + 1] = prev .. ' ' .. body
  end
end
if marked or skipped then redis.call('SET', KEYS[2], lastp .. '/' .. lastid) end
if #lines > 0 then redis.call('PUBLISH', ARGV[1], table.concat(lines, '\\n')) end
return out
`);

/**
 * Acknowledges entries of an ingest partition and stores the partition's
 * window checkpoint in one step (the keys share the partition's hash tag),
 * only while `owner` holds the partition's lease: otherwise (another owner,
 * or an expired lease) nothing is done and 0 is returned, so a processor
 * that lost a partition cannot overwrite its new owner's checkpoint, nor
 * commit from state an owner in between may have moved past.
 *   KEYS: ingest stream, checkpoint key, lease key
 *   ARGV: owner, group, checkpoint ('' = leave it), then the entry ids
 */
export const COMMIT = script(`
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
if #ARGV > 3 then redis.call('XACK', KEYS[1], ARGV[2], unpack(ARGV, 4)) end
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3]) end
return 1
`);

/**
 * A consumer-group read of one partition fenced by its lease: refused (-1)
 * unless `owner` holds the lease now, so a processor that lost a
 * partition (a pause longer than the lease) cannot take entries the new
 * owner has already moved on from. Otherwise returns the entries, or, when
 * there are none, the id of the stream's newest entry (for a blocking wait
 * after it).
 *
 * The entries come as one flat array, per entry either
 *   `<id> <topic> <ts> <value>`  one string, when its fields are exactly
 *                                `topic ts value` in that order (what ingest
 *                                writes for a value event) and none of the
 *                                three values holds a space; or
 *   id, n, n field strings       (names and values, as stored) otherwise; or
 *   id, -1                       when its content is gone (trimmed while
 *                                pending).
 * A stream id never holds a space, so an element with one is the short
 * form. That form leaves out the field names and every nested array: the
 * reader decodes one string per value event instead of eight strings and
 * two arrays (see RedisIngestLog.readFenced), and Redis converts fewer,
 * flat values (it costs Redis slightly less than returning the entries as
 * XREADGROUP gave them).
 *   KEYS: ingest stream, lease key
 *   ARGV: owner, group, consumer, count, '>' (new) or '0' (own pending)
 */
export const FENCED_READ = script(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
local r = redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', ARGV[4], 'STREAMS', KEYS[1], ARGV[5])
if r and #r[1][2] > 0 then
  local find = string.find
  local out = {}
  local n = 0
  for _, e in ipairs(r[1][2]) do
    local f = e[2]
    if f and #f == 6 and f[1] == 'topic' and f[3] == 'ts' and f[5] == 'value' and not find(f[2], ' ', 1, true) and not find(f[4], ' ', 1, true) and not find(f[6], ' ', 1, true) then
      n = n + 1
      out[n] = e[1] .. ' ' .. f[2] .. ' ' .. f[4] .. ' ' .. f[6]
    elseif not f then
      out[n + 1] = e[1]
      out[n + 2] = -1
      n = n + 2
    else
      local k = #f
      out[n + 1] = e[1]
      out[n + 2] = k
      for i = 1, k do out[n + 2 + i] = f[i] end
      n = n + 2 + k
    end
  end
  return out
end
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if newest[1] then return newest[1][1] end
return '0-0'
`);

/**
 * Reads a topic's history epoch, creating it from the candidate when absent
 * (a new topic, or one whose history was lost with its epoch), and the
 * newest id the history stream ever generated ('0-0' without a stream).
 *   KEYS: history stream, epoch   ARGV: candidate epoch   returns {epoch, top}
 */
export const POSITION = script(`
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[2], epoch)
end
local top = '0-0'
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then top = info[i + 1] end
  end
end
return {epoch, top}
`);

/**
 * POSITION for several topics in one call (one Redis: the keys of different
 * topics may lie in different Cluster slots, so a Cluster reads each topic
 * with POSITION). Each topic is read as POSITION reads it.
 *   KEYS: history stream, epoch, for each topic   ARGV: candidate epoch
 *   returns {epoch, top} for each topic, flattened
 */
export const POSITIONS = script(`
local out = {}
for k = 1, #KEYS, 2 do
  local epoch = redis.call('GET', KEYS[k + 1])
  if not epoch then
    epoch = ARGV[1]
    redis.call('SET', KEYS[k + 1], epoch)
  end
  local top = '0-0'
  if redis.call('EXISTS', KEYS[k]) == 1 then
    local info = redis.call('XINFO', 'STREAM', KEYS[k])
    for i = 1, #info, 2 do
      if info[i] == 'last-generated-id' then top = info[i + 1] end
    end
  end
  out[k] = epoch
  out[k + 1] = top
end
return out
`);

/**
 * PUBLISH_BATCH for a Redis Cluster: the same steps, published with
 * SPUBLISH on the topic's shard channel (same hash tag as its history), so a
 * message goes only to the shard that owns the topic and the gateways
 * subscribed there (SSUBSCRIBE).
 */
export const PUBLISH_BATCH_SHARDED = script(sharded(PUBLISH_BATCH.source));

function sharded(source: string): string {
  const out = source.replace("redis.call('PUBLISH', ARGV[1]", "redis.call('SPUBLISH', ARGV[1]");
  if (out === source) throw new Error('PUBLISH_BATCH has no PUBLISH for the sharded variant to replace');
  return out;
}
