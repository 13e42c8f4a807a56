-- Reconciliation: drops the holds the caller found stale (the chat no longer points at this agent with that offer;
-- each dropped only if unchanged since it was read) and sets active to the number of holds left. Any change is
-- announced (agent.capacity.changed, reason reconciled, previousActive) and returned for the metric: never silent.
-- KEYS: agent holds outbox   ARGV: agentId now nowIso eventId [chatId holdValue]...
local ak, hk, ob = KEYS[1], KEYS[2], KEYS[3]
if call('EXISTS', ak) == 0 then return {'UNKNOWN'} end
local removed = 0
for i = 5, #A, 2 do
  if call('HGET', hk, A[i]) == A[i + 1] then
    call('HDEL', hk, A[i])
    removed = removed + 1
  end
end
local real = call('HLEN', hk)
local active = tonumber(call('HGET', ak, 'active') or '0')
if removed == 0 and active == real then return with_state({'OK', tostring(active), tostring(real), '0'}, ak) end
call('HSET', ak, 'active', real)
if real == 0 then call('HSET', ak, 'idleSince', A[2]) end
call('HINCRBY', ak, 'ver', 1)
capacity(ob, A[4], A[1], real, call('HGET', ak, 'max') or '1', A[3], 'reconciled', {previousActive = active})
return with_state({'REPAIRED', tostring(active), tostring(real), tostring(removed)}, ak)
