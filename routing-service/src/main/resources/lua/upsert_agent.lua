-- ARGV: agentId profileJson skillsJson max nowMs nowIso capEventId
local agentId, profile, skills, max, now, nowIso, capId = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local ak = 'routing:agent:' .. agentId
local existed = redis.call('EXISTS', ak) == 1
local oldMax = redis.call('HGET', ak, 'max') or '0'
redis.call('HSET', ak, 'profile', profile, 'skills', skills, 'max', max)
if not existed then
  redis.call('HSET', ak, 'status', 'OFFLINE', 'active', 0, 'statusSince', now, 'lastAssignedAt', 0)
end
redis.call('SADD', 'routing:agents', agentId)
if existed and tonumber(oldMax) ~= tonumber(max) then
  capacity(capId, agentId, redis.call('HGET', ak, 'active') or '0', max, nowIso)
  return {'UPDATED', oldMax}
end
if existed then return {'UPDATED', oldMax} end
return {'CREATED', oldMax}
