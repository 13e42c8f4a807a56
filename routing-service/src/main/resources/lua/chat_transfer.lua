-- chat.transfer.requested, the chat side (session-service produces it; exactly one of queue / agent is the target):
--   fail   publish chat.transfer.failed with the reason the caller found (unknown queue or agent, agent unavailable)
--   queue  the chat, ASSIGNED to fromAgentId, goes back to waiting in the target queue in a new epoch, keeping its
--          original enqueue time; chat.transferred
--   agent  the target agent's slot was already taken (agent_hold.lua): the chat, ASSIGNED to fromAgentId, is offered
--          to that agent directly (chat.transferred, then chat.offered with transfer:{fromAgentId, note}); if the
--          agent declines or lets it expire it waits in its queue like any declined chat
-- The previous agent is avoided for this chat (offered it again only when nobody else can take it). A chat not
-- ASSIGNED to fromAgentId fails with not-assigned and nothing changes.
-- KEYS: chat decisions processed outbox due
-- ARGV: chatId requestId fromAgentId mode toQueue targetId skillsJson toAgentId note now nowIso ttl failReason offerId
--       expiresMs offeredJson idxDelayMs maxSteps graceMs eventId1 eventId2
local ck, dk, pk, ob, due = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prior = seen(pk)
if prior then return prior end
local chatId, now = A[1], tonumber(A[10])
local function fail(reason)
  outbox(ob, A[20], 'chat.transfer.failed', chatId, A[11], cjson.encode({chatId = chatId, requestId = A[2],
    fromAgentId = A[3], reason = reason, failedAt = A[11]}))
  decide(ck, dk, cjson.encode({step = 'transfer-failed', at = A[11], fromAgentId = A[3], reason = reason}), tonumber(A[18]))
  return done(pk, A[12], {'FAILED', reason})
end
if A[4] == 'fail' then return fail(A[13]) end
local c = call('HMGET', ck, 'state', 'agentId', 'queueId', 'epoch', 'enqueuedAt', 'offerId', 'priority')
if c[1] ~= 'ASSIGNED' or c[2] ~= A[3] then return fail('not-assigned') end
-- to an agent whose slot for it reconciliation dropped while the transfer stalled (chat_fence.lua): refused, visibly
if A[4] ~= 'queue' and A[14] ~= '' and call('HEXISTS', ck, 'fenced:' .. A[14]) == 1 then return fail('hold-lost') end
local note = cjson.null
if A[9] ~= '' then note = A[9] end
call('HSET', ck, 'transferFrom', A[3], 'avoid:' .. A[3], now)
if A[9] ~= '' then call('HSET', ck, 'transferNote', A[9]) else call('HDEL', ck, 'transferNote') end
call('HDEL', ck, 'assignedAt', 'band')
if A[4] == 'queue' then
  local epoch = tonumber(c[4] or '0') + 1
  call('HSET', ck, 'state', 'QUEUED', 'queueId', A[5], 'target', A[6], 'requiredSkills', A[7], 'epoch', epoch, 'visited', A[5],
    'why', 'transferred')
  call('HDEL', ck, 'agentId', 'offerId', 'expiresAt', 'offeredAt', 'overflowAt')
  outbox(ob, A[20], 'chat.transferred', chatId, A[11], cjson.encode({chatId = chatId, requestId = A[2], fromAgentId = A[3],
    queueId = A[5], agentId = cjson.null, note = note, transferredAt = A[11]}))
  schedule(due, 'idx|' .. chatId .. '|' .. A[5], now + tonumber(A[17]))
  decide(ck, dk, cjson.encode({step = 'transferred', at = A[11], fromAgentId = A[3], queueId = A[5], fromQueueId = c[3],
    requestId = A[2]}), tonumber(A[18]))
  return done(pk, A[12], {'QUEUED', A[5], tostring(epoch), c[5] or '0', c[7] or '0', c[6] or ''})
end
call('HSET', ck, 'state', 'OFFERED', 'agentId', A[8], 'offerId', A[14], 'offeredAt', now, 'expiresAt', A[15])
schedule(due, 'exp|' .. chatId .. '|' .. A[14], tonumber(A[15]) + tonumber(A[19]))
outbox(ob, A[20], 'chat.transferred', chatId, A[11], cjson.encode({chatId = chatId, requestId = A[2], fromAgentId = A[3],
  queueId = c[3], agentId = A[8], note = note, transferredAt = A[11]}))
outbox(ob, A[21], 'chat.offered', chatId, A[11], A[16])
decide(ck, dk, cjson.encode({step = 'transferred', at = A[11], fromAgentId = A[3], agentId = A[8], offerId = A[14],
  queueId = c[3], requestId = A[2]}), tonumber(A[18]))
return done(pk, A[12], {'OFFERED', c[3] or '', c[4] or '0', c[6] or ''})
