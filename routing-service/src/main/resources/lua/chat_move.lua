-- Overflow: the chat's ovf timer fired while it still waits in the same epoch; it moves to the overflow queue in a
-- new epoch, keeping its original enqueue time (its age) and its priority. A queue the chat already visited is not
-- entered again (no loops).
-- KEYS: chat decisions outbox due
-- ARGV: chatId epoch toQueue targetId skillsJson now nowIso idxDelayMs maxSteps nextOverflowAfterMs('' = none)
local ck, dk, ob, due = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local chatId, now = A[1], tonumber(A[6])
if unschedule(due, 'ovf|' .. chatId .. '|' .. A[2]) == 0 then return {'NOT_DUE'} end
local c = call('HMGET', ck, 'state', 'queueId', 'epoch', 'visited', 'enqueuedAt', 'band', 'priority')
if c[1] ~= 'QUEUED' or c[3] ~= A[2] then return {'NOT_WAITING', tostring(c[1])} end
for q in string.gmatch(c[4] or '', '[^,]+') do
  if q == A[3] then return {'LOOP', q} end
end
local epoch = tonumber(c[3]) + 1
call('HSET', ck, 'queueId', A[3], 'target', A[4], 'requiredSkills', A[5], 'epoch', epoch, 'visited', (c[4] or c[2]) .. ',' .. A[3],
  'why', 'overflow')
if A[10] ~= '' then
  local at = now + tonumber(A[10])
  call('HSET', ck, 'overflowAt', at)
  schedule(due, 'ovf|' .. chatId .. '|' .. epoch, at)
else
  call('HDEL', ck, 'overflowAt')
end
schedule(due, 'idx|' .. chatId .. '|' .. c[2], now + tonumber(A[8]))
schedule(due, 'idx|' .. chatId .. '|' .. A[3], now + tonumber(A[8]))
decide(ck, dk, cjson.encode({step = 'overflowed', at = A[7], fromQueueId = c[2], queueId = A[3]}), tonumber(A[9]))
return {'MOVED', c[2], tostring(epoch), c[5] or '0', c[6] or '', c[7] or '0'}
