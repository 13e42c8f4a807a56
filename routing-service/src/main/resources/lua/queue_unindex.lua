-- Takes a chat out of its queue's waiting set unless the entry is of a newer epoch than maxEpoch (the chat came back
-- meanwhile), so a stale clean-up never removes a chat that waits again. It marks maxEpoch as gone from this queue
-- (gone, pruned after the retention through goneAt): queue_index.lua then refuses to write an entry of that epoch or
-- an older one, so a step that read the chat as waiting just before it was offered, moved or closed cannot put it back
-- in line nor announce a chat.queued for it.
-- No mark without markGone: a dropped reservation deletes its chat, which a late chat.requested creates again at epoch 1.
-- KEYS: waiting since entries announced gone goneAt   ARGV: chatId maxEpoch nowMs retentionMs markGone('1'/'')
local wk, sk, ek, ak, gk, gak = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local now, keep = tonumber(A[3]), tonumber(A[4])
local old = call('ZRANGEBYSCORE', gak, '-inf', now - keep, 'LIMIT', 0, 100)
for _, id in ipairs(old) do
  call('HDEL', gk, id)
  call('ZREM', gak, id)
end
local cur = call('HGET', ek, A[1])
if cur then
  local e = cjson.decode(cur)
  if tonumber(e.e) > tonumber(A[2]) then return {'KEPT', tostring(e.e)} end
  call('HDEL', ek, A[1])
end
if A[5] == '1' then
  local was = tonumber(call('HGET', gk, A[1]) or '-1')
  if tonumber(A[2]) > was then call('HSET', gk, A[1], A[2]) end
  call('ZADD', gak, now, A[1])
end
call('HDEL', ak, A[1])
local n = call('ZREM', wk, A[1])
call('ZREM', sk, A[1])
if n == 1 then return {'REMOVED'} end
return {'ABSENT'}
