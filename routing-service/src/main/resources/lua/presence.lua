-- ARGV: agentId status nowMs nowIso eventId pid ttl
local agentId, status, now, nowIso, eventId, pid, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
if seen(pid) then return {'DUPLICATE'} end
local ak = 'routing:agent:' .. agentId
if redis.call('EXISTS', ak) == 0 then
  processed(pid, ttl)
  return {'UNKNOWN'}
end
local prev = redis.call('HGET', ak, 'status')
if prev == status then
  processed(pid, ttl)
  return {'UNCHANGED', prev}
end
redis.call('HSET', ak, 'status', status, 'statusSince', now, 'missedOffers', 0)
local p = prev
if not p then p = cjson.null end
outbox(eventId, 'agent.presence.changed', agentId, nowIso,
  cjson.encode({agentId = agentId, status = status, previousStatus = p, changedAt = nowIso}))
processed(pid, ttl)
return {'CHANGED', tostring(prev)}
