-- decline (from session) or offer timeout (sweep)
-- Missed offers (timeouts) in a row are counted per agent (missedOffers; an answer, an accept or a presence change
-- resets it); at the threshold an AVAILABLE agent is set AWAY (agent.presence.changed, reason missed-offer): an
-- agent who does not answer, or whose desktop is gone, is not offered chats again and again.
-- ARGV: chatId offerId agentId mode nowMs nowIso capEventId declinedEventId pid ttl presenceEventId missedBeforeAway
local chatId, offerId, agentId, mode, now, nowIso, capId, declId, pid, ttl, presenceId, awayAfter =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], tonumber(ARGV[12])
if seen(pid) then return {'DUPLICATE'} end
local ck = 'routing:chat:' .. chatId
if mode == 'timeout' then
  local due = redis.call('ZSCORE', 'routing:offer-deadlines', chatId)
  if (not due) or tonumber(due) > tonumber(now) then return {'NOT_DUE'} end
  redis.call('ZREM', 'routing:offer-deadlines', chatId)
end
local c = redis.call('HMGET', ck, 'state', 'agentId', 'offerId', 'queueId', 'enqueuedAt')
if c[1] ~= 'OFFERED' or (offerId ~= '' and c[3] ~= offerId) or (agentId ~= '' and c[2] ~= agentId) then
  processed(pid, ttl)
  return {'IGNORED', tostring(c[1])}
end
local agent = c[2]
local ak = 'routing:agent:' .. agent
local active = tonumber(redis.call('HGET', ak, 'active') or '0')
if active > 0 then active = redis.call('HINCRBY', ak, 'active', -1) end
if tonumber(active) == 0 then redis.call('HSET', ak, 'idleSince', now) end
local max = redis.call('HGET', ak, 'max') or '1'
redis.call('HSET', ck, 'state', 'QUEUED', 'declined:' .. agent, now)
redis.call('HDEL', ck, 'agentId', 'offerId', 'expiresAt')
redis.call('ZREM', 'routing:offer-deadlines', chatId)
redis.call('ZADD', 'routing:queue:' .. c[4] .. ':waiting', c[5], chatId)
capacity(capId, agent, active, max, nowIso)
if mode == 'timeout' then
  outbox(declId, 'chat.offer.declined', chatId, nowIso,
    cjson.encode({chatId = chatId, agentId = agent, offerId = c[3], reason = 'timeout', declinedAt = nowIso}))
  local missed = redis.call('HINCRBY', ak, 'missedOffers', 1)
  if presenceId ~= '' and missed >= awayAfter and redis.call('HGET', ak, 'status') == 'AVAILABLE' then
    redis.call('HSET', ak, 'status', 'AWAY', 'statusSince', now, 'missedOffers', 0)
    outbox(presenceId, 'agent.presence.changed', agent, nowIso,
      cjson.encode({agentId = agent, status = 'AWAY', previousStatus = 'AVAILABLE', changedAt = nowIso,
        reason = 'missed-offer'}))
  end
end
if mode ~= 'timeout' then redis.call('HSET', ak, 'missedOffers', 0) end
processed(pid, ttl)
return {'RELEASED', agent, c[4]}
