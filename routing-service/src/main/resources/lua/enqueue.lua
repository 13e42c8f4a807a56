-- ARGV: chatId pid ttl queueId ruleId skillsJson priority nowMs requestJson decisionJson eventId nowIso queuedTemplate freeSlots
local chatId, pid, ttl, queueId, ruleId, skills, priority, now, request, decision, eventId, nowIso, template, free =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13], ARGV[14]
if seen(pid) then return {'DUPLICATE'} end
local ck = 'routing:chat:' .. chatId
local state = redis.call('HGET', ck, 'state')
if state and state ~= 'RESERVED' then
  processed(pid, ttl)
  return {'EXISTS', state}
end
local since = now
if state == 'RESERVED' then
  -- the place taken at evaluation is kept (also if the rules now name another queue)
  local rk = 'routing:queue:' .. redis.call('HGET', ck, 'queueId') .. ':waiting'
  since = redis.call('ZSCORE', rk, chatId) or now
  redis.call('ZREM', rk, chatId)
  redis.call('HDEL', ck, 'reservedAt')
end
redis.call('HSET', ck, 'state', 'QUEUED', 'queueId', queueId, 'ruleId', ruleId, 'requiredSkills', skills,
  'priority', priority, 'enqueuedAt', now, 'request', request, 'decision', decision)
redis.call('RPUSH', ck .. ':decisions', decision)
local wk = 'routing:queue:' .. queueId .. ':waiting'
redis.call('ZADD', wk, since, chatId)
local pos = redis.call('ZRANK', wk, chatId) + 1
local f = tonumber(free)
if f < 1 then f = 1 end
local ev = cjson.decode(template)
ev.position = pos
ev.estimatedWaitSeconds = math.floor(pos * 60 / f)
outbox(eventId, 'chat.queued', chatId, nowIso, cjson.encode(ev))
processed(pid, ttl)
return {'QUEUED', tostring(pos)}
