-- PUT /agents/{id}: profile, skills and cap. A new agent starts OFFLINE. Lowering the cap below the current load is
-- allowed: the agent keeps its chats and gets no new offer until its load is below the new cap.
-- KEYS: agent outbox   ARGV: agentId profileJson skillsJson max now nowIso eventId
local ak, ob = KEYS[1], KEYS[2]
local existed = call('EXISTS', ak) == 1
local oldMax = call('HGET', ak, 'max') or '0'
local oldSkills = call('HGET', ak, 'skills') or '{}'
call('HSET', ak, 'profile', A[2], 'skills', A[3], 'max', A[4])
if not existed then
  call('HSET', ak, 'status', 'OFFLINE', 'active', 0, 'statusSince', A[5], 'lastAssignedAt', 0, 'missedOffers', 0)
end
call('HINCRBY', ak, 'ver', 1)
if existed and tonumber(oldMax) ~= tonumber(A[4]) then
  capacity(ob, A[7], A[1], call('HGET', ak, 'active') or '0', A[4], A[6], 'cap-changed')
end
local code = 'CREATED'
if existed then code = 'UPDATED' end
return with_state({code, oldMax, oldSkills}, ak)
