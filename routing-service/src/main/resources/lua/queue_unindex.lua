-- Takes a chat out of its queue's waiting set unless the entry is of a newer epoch than maxEpoch (the chat came back
-- meanwhile), so a stale clean-up never removes a chat that waits again.
-- KEYS: waiting since entries announced   ARGV: chatId maxEpoch
local wk, sk, ek, ak = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local cur = call('HGET', ek, A[1])
if cur then
  local e = cjson.decode(cur)
  if tonumber(e.e) > tonumber(A[2]) then return {'KEPT', tostring(e.e)} end
  call('HDEL', ek, A[1])
end
call('HDEL', ak, A[1])
local n = call('ZREM', wk, A[1])
call('ZREM', sk, A[1])
if n == 1 then return {'REMOVED'} end
return {'ABSENT'}
