-- chat.offer.accepted: judged by when the agent pressed accept (acceptedAtMs, never later than now), with skewMs of
-- allowance after the deadline; the offer must still be the agent's.
-- KEYS: chat decisions processed outbox due
-- ARGV: chatId agentId offerId now nowIso ttl assignedJson acceptedAtMs skewMs maxSteps eventId
local ck, dk, pk, ob, due = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prior = seen(pk)
if prior then return prior end
local now = tonumber(A[4])
local c = call('HMGET', ck, 'state', 'agentId', 'offerId', 'expiresAt', 'queueId', 'enqueuedAt', 'transferFrom', 'epoch',
  'assignedAt')
if c[1] == 'ASSIGNED' and c[2] == A[2] and c[3] == A[3] then
  return done(pk, A[6], {'ALREADY', c[5] or '', tostring(tonumber(c[9] or now) - tonumber(c[6] or now)), c[8] or '0'})
end
local reason = nil
if c[1] ~= 'OFFERED' then
  reason = 'offer-gone'
elseif c[3] ~= A[3] or c[2] ~= A[2] then
  reason = 'offer-mismatch'
else
  local acc = tonumber(A[8])
  if acc <= 0 or acc > now then acc = now end
  if acc > tonumber(c[4]) + tonumber(A[9]) then reason = 'offer-expired' end
end
if reason then
  local off = A[3]
  if off == '' then off = cjson.null end
  outbox(ob, A[11], 'chat.assignment.failed', A[1], A[5],
    cjson.encode({chatId = A[1], agentId = A[2], offerId = off, reason = reason, failedAt = A[5]}))
  decide(ck, dk, cjson.encode({step = 'accept-failed', at = A[5], agentId = A[2], reason = reason}), tonumber(A[10]))
  return done(pk, A[6], {'FAILED', reason})
end
call('HSET', ck, 'state', 'ASSIGNED', 'assignedAt', now)
unschedule(due, 'exp|' .. A[1] .. '|' .. A[3])
local ev = cjson.decode(A[7])
local step = {step = 'assigned', at = A[5], agentId = A[2], offerId = A[3]}
if c[7] then
  ev.transferredFrom = c[7]
  step.transferredFrom = c[7]
end
call('HDEL', ck, 'transferFrom', 'transferNote')
outbox(ob, A[11], 'chat.assigned', A[1], A[5], cjson.encode(ev))
decide(ck, dk, cjson.encode(step), tonumber(A[10]))
return done(pk, A[6], {'ASSIGNED', c[5] or '', tostring(now - tonumber(c[6] or now)), c[8] or '0'})
