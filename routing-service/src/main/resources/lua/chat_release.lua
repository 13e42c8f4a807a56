-- The chat side of giving an agent's chat back to its queue, in a new epoch, keeping its original enqueue time:
--   decline     the agent declined (session's chat.offer.declined)
--   timeout     the offer's exp timer fired (claimed here by removing it: one instance handles it)
--   withdraw    the agent disconnected: a waiting offer is withdrawn (an assigned chat stays)
--   agent-gone  the agent went OFFLINE (or its grace ended): an offer is withdrawn, an assigned chat goes back to the
--               FRONT of its queue (band F) with its context
-- Withdrawn and timed-out offers are announced as chat.offer.declined with the reason; a timed-out one also says
-- whether session-service had delivered it to the agent (chat.offer.delivered, see chat_delivered.lua), which the
-- result carries on (only a delivered offer's timeout counts as missed). The agent is avoided for this chat
-- (declined:<agent>) and a cool timer re-dispatches it when the cool-down ends.
-- KEYS: chat decisions processed outbox due
-- ARGV: chatId offerId agentId mode now nowIso ttl cooldownMs idxDelayMs maxSteps reason eventId
local ck, dk, pk, ob, due = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local chatId, mode, now = A[1], A[4], tonumber(A[5])
-- A deadline is claimed first: every instance fires the same due item, and the one that finds it gone does nothing
-- (NOT_DUE). Were it answered from the marker instead, its replayed follow-up (the agent's slot) would race the
-- winner's, and whichever came second would count a double release that never happened.
if mode == 'timeout' and unschedule(due, 'exp|' .. chatId .. '|' .. A[2]) == 0 then return {'NOT_DUE'} end
local prior = seen(pk)
if prior then return prior end
local c = call('HMGET', ck, 'state', 'agentId', 'offerId', 'queueId', 'enqueuedAt', 'epoch', 'overflowAt', 'priority',
  'deliveredOffer')
local ok = false
if c[1] == 'OFFERED' then
  ok = (A[2] == '' or c[3] == A[2]) and (A[3] == '' or c[2] == A[3])
elseif c[1] == 'ASSIGNED' and mode == 'agent-gone' then
  ok = (c[2] == A[3])
end
if not ok then return done(pk, A[7], {'IGNORED', tostring(c[1])}) end
local prev, agent, offer = c[1], c[2], c[3]
local delivered = prev == 'OFFERED' and offer ~= false and c[9] == offer
local epoch = tonumber(c[6] or '0') + 1
-- the reason of this epoch's first chat.queued, for whichever step writes its waiting entry first (WaitingEntries)
local why = ({decline = 'declined', timeout = 'expired', withdraw = 'offer-withdrawn'})[mode] or 'offer-withdrawn'
if prev == 'ASSIGNED' then why = 'agent-lost' end
call('HSET', ck, 'state', 'QUEUED', 'epoch', epoch, 'why', why)
if mode == 'decline' or mode == 'timeout' then call('HSET', ck, 'declined:' .. agent, now) end
local front = ''
if prev == 'ASSIGNED' then
  front = 'F'
  call('HSET', ck, 'band', 'F')
end
call('HDEL', ck, 'agentId', 'offerId', 'expiresAt', 'offeredAt', 'assignedAt', 'deliveredOffer')
if mode ~= 'timeout' and offer then unschedule(due, 'exp|' .. chatId .. '|' .. offer) end
if prev == 'OFFERED' and mode ~= 'decline' then
  local ev = {chatId = chatId, agentId = agent, offerId = offer, reason = A[11], declinedAt = A[6]}
  if mode == 'timeout' then ev.delivered = delivered end
  outbox(ob, A[12], 'chat.offer.declined', chatId, A[6], cjson.encode(ev))
end
if mode == 'decline' or mode == 'timeout' then schedule(due, 'cool|' .. chatId .. '|' .. epoch, now + tonumber(A[8])) end
schedule(due, 'idx|' .. chatId .. '|' .. c[4], now + tonumber(A[9]))
if c[7] then schedule(due, 'ovf|' .. chatId .. '|' .. epoch, math.max(now, tonumber(c[7]))) end
local kinds = {decline = 'declined', timeout = 'expired', withdraw = 'withdrawn', ['agent-gone'] = 'requeued'}
decide(ck, dk, cjson.encode({step = kinds[mode] or mode, at = A[6], agentId = agent, offerId = offer, reason = A[11],
  front = front == 'F'}), tonumber(A[10]))
return done(pk, A[7], {'RELEASED', agent, c[4], tostring(epoch), c[5] or '0', front, prev, offer or '', c[8] or '0',
  delivered and '1' or ''})
