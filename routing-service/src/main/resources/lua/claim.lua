-- ARGV: chatId agentId offerId nowMs expiresMs offeredEventId offeredJson capEventId nowIso decisionJson
local chatId, agentId, offerId, now, expires, offeredId, offered, capId, nowIso, decision =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local ck = 'routing:chat:' .. chatId
local ak = 'routing:agent:' .. agentId
local c = redis.call('HMGET', ck, 'state', 'queueId')
if c[1] ~= 'QUEUED' then return {'CHAT_GONE', tostring(c[1])} end
local wk = 'routing:queue:' .. c[2] .. ':waiting'
if not redis.call('ZSCORE', wk, chatId) then return {'CHAT_GONE', 'not waiting'} end
local a = redis.call('HMGET', ak, 'status', 'active', 'max')
if a[1] ~= 'AVAILABLE' then return {'AGENT_LOST', tostring(a[1])} end
local active = tonumber(a[2] or '0')
local max = tonumber(a[3] or '0')
if active >= max then return {'AGENT_LOST', 'full'} end
redis.call('ZREM', wk, chatId)
active = redis.call('HINCRBY', ak, 'active', 1)
redis.call('HSET', ak, 'lastAssignedAt', now)
redis.call('HSET', ck, 'state', 'OFFERED', 'agentId', agentId, 'offerId', offerId, 'expiresAt', expires, 'decision', decision)
redis.call('RPUSH', ck .. ':decisions', decision)
redis.call('LTRIM', ck .. ':decisions', -20, -1) -- the latest decisions only; decisionCount counts them all
redis.call('HINCRBY', ck, 'decisionCount', 1)
redis.call('ZADD', 'routing:offer-deadlines', expires, chatId)
outbox(offeredId, 'chat.offered', chatId, nowIso, offered)
capacity(capId, agentId, active, max, nowIso)
return {'OFFERED', tostring(active)}
