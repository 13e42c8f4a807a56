-- ARGV: chatId nowMs nowIso capEventId pid ttl retentionSeconds day statsTtl
local chatId, now, nowIso, capId, pid, ttl, keep, day, statsTtl =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
if seen(pid) then return {'DUPLICATE'} end
local ck = 'routing:chat:' .. chatId
local c = redis.call('HMGET', ck, 'state', 'agentId', 'queueId')
local released = ''
if c[1] == 'OFFERED' or c[1] == 'ASSIGNED' then
  local ak = 'routing:agent:' .. c[2]
  local active = tonumber(redis.call('HGET', ak, 'active') or '0')
  if active > 0 then active = redis.call('HINCRBY', ak, 'active', -1) end
  if tonumber(active) == 0 then redis.call('HSET', ak, 'idleSince', now) end
  capacity(capId, c[2], active, redis.call('HGET', ak, 'max') or '1', nowIso)
  released = c[2]
elseif c[1] == 'QUEUED' then
  redis.call('ZREM', 'routing:queue:' .. c[3] .. ':waiting', chatId)
end
-- closed before an agent was assigned (still waiting, or offered): abandoned, on the day's counters
if (c[1] == 'QUEUED' or c[1] == 'OFFERED') and c[3] then
  queue_stats(c[3], day, statsTtl, {abandoned = 1})
end
redis.call('HSET', ck, 'state', 'CLOSED', 'closedAt', now)
redis.call('ZREM', 'routing:offer-deadlines', chatId)
redis.call('EXPIRE', ck, keep)
redis.call('EXPIRE', ck .. ':decisions', keep)
processed(pid, ttl)
return {'CLOSED', released, tostring(c[1])}
