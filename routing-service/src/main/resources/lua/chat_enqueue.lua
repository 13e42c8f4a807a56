-- chat.requested: the chat waits in its queue (state QUEUED). A place reserved at evaluation (RESERVED) is kept: its
-- enqueue time stays (also if the rules now name another queue). The waiting-set entry is written next by
-- queue_index.lua in the queue's partition; the idx timer re-checks it (a crash in between cannot lose the chat).
-- KEYS: chat decisions processed outbox due
-- ARGV: chatId now nowIso ttl queueId ruleId targetId skillsJson ruleSkillsJson priority requestJson decisionJson
--       offlineJson('' when the queue is open) overflowAfterMs('' = none) idxDelayMs maxSteps eventId
--       sinceMs (when the visitor asked: chat.requested's requestedAt, never after now; '' = now)
local ck, dk, pk, ob, due = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prior = seen(pk)
if prior then return prior end
local chatId, now = A[1], tonumber(A[2])
local st = call('HGET', ck, 'state')
if st and st ~= 'RESERVED' then return done(pk, A[4], {'EXISTS', st}) end
-- a chat waits from when its visitor asked, not from when this event was applied: the chats of one batch are applied
-- at the same time, and a backlog (routing away, then catching up) keeps the order in which visitors asked
local since, oldQueue, epoch = now, '', 1
if A[18] and A[18] ~= '' then since = math.min(now, tonumber(A[18])) end
if st == 'RESERVED' then
  local r = call('HMGET', ck, 'enqueuedAt', 'queueId', 'epoch')
  since = tonumber(r[1] or now)
  oldQueue = r[2] or ''
  epoch = tonumber(r[3] or '0') + 1
  call('HDEL', ck, 'reservedAt')
  unschedule(due, 'unres|' .. chatId)
end
call('HSET', ck, 'state', 'QUEUED', 'queueId', A[5], 'ruleId', A[6], 'target', A[7], 'requiredSkills', A[8],
  'ruleSkills', A[9], 'priority', A[10], 'enqueuedAt', since, 'request', A[11], 'epoch', epoch, 'visited', A[5], 'why', 'enqueued')
decide(ck, dk, A[12], tonumber(A[16]))
if A[13] ~= '' then
  call('HSET', ck, 'offline', '1')
  outbox(ob, A[17], 'chat.offline', chatId, A[3], A[13])
end
if A[14] ~= '' then
  local at = since + tonumber(A[14])
  call('HSET', ck, 'overflowAt', at)
  schedule(due, 'ovf|' .. chatId .. '|' .. epoch, math.max(at, now))
end
schedule(due, 'idx|' .. chatId .. '|' .. A[5], now + tonumber(A[15]))
return done(pk, A[4], {'QUEUED', tostring(epoch), tostring(since), oldQueue})
