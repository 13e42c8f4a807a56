-- chat.closed: state CLOSED, the chat's timers dropped, its record kept keepSeconds. Returns the agent that held it
-- (the caller then frees that agent's slot) and what the queue's counters need.
-- With failedJson, the chat was never placed (chat.routing.failed is published with the close, same script).
-- KEYS: chat decisions processed outbox due
-- ARGV: chatId now nowIso ttl keepSeconds maxSteps [failedJson eventId]
local ck, dk, pk, ob, due = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prior = seen(pk)
if prior then return prior end
local c = call('HMGET', ck, 'state', 'agentId', 'offerId', 'queueId', 'epoch', 'enqueuedAt', 'assignedAt')
if c[1] == 'CLOSED' then return done(pk, A[4], {'ALREADY'}) end
call('HSET', ck, 'state', 'CLOSED', 'closedAt', A[2])
if c[3] then unschedule(due, 'exp|' .. A[1] .. '|' .. c[3]) end
if c[5] then
  unschedule(due, 'ovf|' .. A[1] .. '|' .. c[5])
  unschedule(due, 'cool|' .. A[1] .. '|' .. c[5])
end
unschedule(due, 'unres|' .. A[1])
if A[7] and A[7] ~= '' then
  outbox(ob, A[8], 'chat.routing.failed', A[1], A[3], A[7])
  decide(ck, dk, cjson.encode({step = 'not-routed', at = A[3], reason = cjson.decode(A[7]).reason}), tonumber(A[6]))
else
  decide(ck, dk, cjson.encode({step = 'closed', at = A[3], previousState = c[1] or cjson.null}), tonumber(A[6]))
end
call('EXPIRE', ck, A[5])
call('EXPIRE', dk, A[5])
local held = ''
if c[1] == 'OFFERED' or c[1] == 'ASSIGNED' then held = c[2] end
return done(pk, A[4], {'CLOSED', held, c[4] or '', c[1] or '', c[5] or '0', c[6] or '0', c[7] or '', c[3] or ''})
