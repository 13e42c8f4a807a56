-- Drops a reservation that chat.requested never confirmed (session-service failed after evaluating).
-- KEYS: chat due   ARGV: chatId cutoffMs fromTimer('1' when its unres timer fired)
local ck, due = KEYS[1], KEYS[2]
if A[3] == '1' then
  if unschedule(due, 'unres|' .. A[1]) == 0 then return {'NOT_DUE'} end
end
local c = call('HMGET', ck, 'state', 'reservedAt', 'queueId', 'epoch')
if c[1] ~= 'RESERVED' then return {'KEPT', tostring(c[1])} end
if tonumber(c[2] or '0') > tonumber(A[2]) then return {'KEPT', 'RESERVED'} end
unschedule(due, 'unres|' .. A[1])
call('DEL', ck)
return {'DROPPED', c[3] or '', c[4] or '0'}
