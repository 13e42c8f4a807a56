-- ARGV: chatId agentId offerId nowMs nowIso eventId assignedJson pid ttl
local chatId, agentId, offerId, now, nowIso, eventId, assigned, pid, ttl =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
if seen(pid) then return {'DUPLICATE'} end
local ck = 'routing:chat:' .. chatId
local c = redis.call('HMGET', ck, 'state', 'agentId', 'offerId', 'expiresAt')
if c[1] == 'ASSIGNED' and c[2] == agentId and c[3] == offerId then
  processed(pid, ttl)
  return {'ALREADY'}
end
local reason = false
if c[1] ~= 'OFFERED' then reason = 'offer-gone'
elseif c[3] ~= offerId or c[2] ~= agentId then reason = 'offer-mismatch'
elseif tonumber(c[4]) < tonumber(now) then reason = 'offer-expired' end
if reason then
  local off = offerId
  if off == '' then off = cjson.null end
  outbox(eventId, 'chat.assignment.failed', chatId, nowIso,
    cjson.encode({chatId = chatId, agentId = agentId, offerId = off, reason = reason, failedAt = nowIso}))
  processed(pid, ttl)
  return {'FAILED', reason}
end
redis.call('HSET', ck, 'state', 'ASSIGNED', 'assignedAt', now)
redis.call('ZREM', 'routing:offer-deadlines', chatId)
outbox(eventId, 'chat.assigned', chatId, nowIso, assigned)
processed(pid, ttl)
return {'ASSIGNED'}
