-- A chat's place in its queue, taken when session-service evaluates the start form (before the chat exists there),
-- so the 201's position is the chat's real rank. RESERVED counts for positions but is not offered until
-- chat.requested turns it QUEUED. An unconfirmed reservation is given back by its unres timer (chat_unreserve.lua).
-- KEYS: chat due   ARGV: chatId queueId targetId priority now timeoutMs
local ck, due = KEYS[1], KEYS[2]
local c = call('HMGET', ck, 'state', 'queueId', 'epoch', 'enqueuedAt', 'priority')
if c[1] then return {c[1], c[2] or '', c[3] or '0', c[4] or '0', c[5] or '0', 'EXISTING'} end
call('HSET', ck, 'state', 'RESERVED', 'queueId', A[2], 'target', A[3], 'priority', A[4], 'enqueuedAt', A[5],
  'reservedAt', A[5], 'epoch', 1, 'why', 'reserved')
schedule(due, 'unres|' .. A[1], tonumber(A[5]) + tonumber(A[6]))
return {'RESERVED', A[2], '1', A[5], A[4], 'NEW'}
