-- ARGV: chatId agentId offerId nowMs nowIso eventId assignedJson pid ttl day statsTtl
local chatId, agentId, offerId, now, nowIso, eventId, assigned, pid, ttl, day, statsTtl =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]
if seen(pid) then return {'DUPLICATE'} end
local ck = 'routing:chat:' .. chatId
local c = redis.call('HMGET', ck, 'state', 'agentId', 'offerId', 'expiresAt', 'queueId', 'enqueuedAt')
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
redis.call('HSET', 'routing:agent:' .. agentId, 'missedOffers', 0)
redis.call('ZREM', 'routing:offer-deadlines', chatId)
-- service level: answered today, and within the queue's target when assigned at most that long after it was queued
if c[5] then
  local waited = tonumber(now) - tonumber(c[6] or now)
  if waited < 0 then waited = 0 end
  local counts = {answered = 1, answerWaitMs = waited}
  if waited <= sl_target(c[5]) * 1000 then counts.answeredWithinTarget = 1 end
  queue_stats(c[5], day, statsTtl, counts)
end
outbox(eventId, 'chat.assigned', chatId, nowIso, assigned)
processed(pid, ttl)
return {'ASSIGNED'}
