-- The chat side of a claim: after the agent's slot was taken (agent_hold.lua), the chat, still waiting in the same
-- epoch, becomes OFFERED to that agent; only one claim per epoch can win, so a chat is never offered to two agents.
-- The offer's deadline is a timer in this partition (exp), released skewMs after expiresAt.
-- KEYS: chat decisions outbox due
-- ARGV: chatId agentId offerId now expiresMs nowIso epoch offeredJson decisionJson graceMs maxSteps eventId
local ck, dk, ob, due = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local c = call('HMGET', ck, 'state', 'epoch', 'queueId')
if c[1] ~= 'QUEUED' or c[2] ~= A[7] then return {'CHAT_GONE', tostring(c[1]), tostring(c[2])} end
-- reconciliation dropped this claim's slot while it stalled (chat_fence.lua): the offer is not made
if call('HEXISTS', ck, 'fenced:' .. A[3]) == 1 then return {'CHAT_GONE', 'fenced', tostring(c[2])} end
call('HSET', ck, 'state', 'OFFERED', 'agentId', A[2], 'offerId', A[3], 'offeredAt', A[4], 'expiresAt', A[5])
call('HDEL', ck, 'band')
decide(ck, dk, A[9], tonumber(A[11]))
schedule(due, 'exp|' .. A[1] .. '|' .. A[3], tonumber(A[5]) + tonumber(A[10]))
outbox(ob, A[12], 'chat.offered', A[1], A[6], A[8])
return {'OFFERED', c[3], c[2]}
