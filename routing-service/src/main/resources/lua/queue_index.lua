-- A chat's entry in its queue's waiting set (the queue's partition), for the chat's epoch: ZADD with its score
-- (WaitingScore), its enqueue time in the since set (longest wait), its entry (epoch, state, event template). An
-- entry of an older epoch is replaced, a newer one wins. With announce, the chat's first chat.queued of this epoch
-- is published here with its real rank (two chats waiting in one queue are 1 and 2).
-- In a closed queue (offlineJson given), the epoch's chat.offline is published after its chat.queued (if announce), and
-- the chat is marked as told no place, so the first announcement after the opening tells it one.
-- An epoch that already left this queue (queue_unindex.lua's gone mark) is STALE: the caller read the chat as waiting
-- before it was offered, moved or closed, and writes nothing.
-- KEYS: waiting since entries announced outbox gone
-- ARGV: chatId epoch score enqueuedAtMs entryJson announce('1'/'') nowIso eventId free first step reason targetId state(Q|R)
--       offlineJson('' = the queue is open) secondsUntilOpen
local wk, sk, ek, ak, ob = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local chatId, epoch = A[1], tonumber(A[2])
local gone = call('HGET', KEYS[6], chatId)
if gone and tonumber(gone) >= epoch then return {'STALE', gone} end
local cur = call('HGET', ek, chatId)
if cur then
  local e = cjson.decode(cur)
  if tonumber(e.e) > epoch then return {'STALE', tostring(e.e)} end
end
call('ZADD', wk, A[3], chatId)
call('ZADD', sk, A[4], chatId)
call('HSET', ek, chatId, A[5])
local pos = call('ZRANK', wk, chatId) + 1
local ann = call('HGET', ak, chatId)
local annEpoch = 0
if ann then annEpoch = tonumber(string.match(ann, '^(%d+)|') or '0') end
if annEpoch < epoch then
  if A[15] and A[15] ~= '' and A[14] == 'Q' then
    if A[6] == '1' then
      local ev = cjson.decode(A[5]).ev
      ev.position = pos
      ev.estimatedWaitSeconds = tonumber(A[16] or '0')
      if A[12] ~= '' then ev.reason = A[12] end
      outbox(ob, A[8], 'chat.queued', chatId, A[7], cjson.encode(ev))
    end
    outbox(ob, A[8] .. '-offline', 'chat.offline', chatId, A[7], A[15])
    call('HSET', ak, chatId, epoch .. '|0|-1|' .. A[13] .. '|Q')
    return {'OFFLINE', tostring(pos), '-1'}
  end
  if A[6] == '1' and A[14] == 'Q' then
    local eta = wait_at(pos, A[9], A[10], A[11])
    local ev = cjson.decode(A[5]).ev
    ev.position = pos
    ev.estimatedWaitSeconds = eta
    if A[12] ~= '' then ev.reason = A[12] end
    outbox(ob, A[8], 'chat.queued', chatId, A[7], cjson.encode(ev))
    call('HSET', ak, chatId, epoch .. '|' .. pos .. '|' .. eta .. '|' .. A[13] .. '|Q')
    return {'ANNOUNCED', tostring(pos), tostring(eta)}
  end
  call('HSET', ak, chatId, epoch .. '|0|-1|' .. A[13] .. '|' .. A[14])
end
return {'INDEXED', tostring(pos), '-1'}
