-- A chat's place in its queue, taken when session-service evaluates the start form (before the chat exists there),
-- so the 201's position is the chat's real rank: two chats waiting in one queue are 1 and 2. The chat is RESERVED:
-- it counts for positions but is not offered until chat.requested turns it QUEUED (enqueue.lua keeps its place).
-- A reservation never confirmed is dropped by unreserve.lua.
-- ARGV: chatId queueId nowMs
local chatId, queueId, now = ARGV[1], ARGV[2], ARGV[3]
local ck = 'routing:chat:' .. chatId
local state = redis.call('HGET', ck, 'state')
if state and state ~= 'RESERVED' then
  local q = redis.call('HGET', ck, 'queueId')
  local r = q and redis.call('ZRANK', 'routing:queue:' .. q .. ':waiting', chatId)
  return {state, r and tostring(r + 1) or ''}
end
if state then queueId = redis.call('HGET', ck, 'queueId') end
local wk = 'routing:queue:' .. queueId .. ':waiting'
if not state then
  redis.call('HSET', ck, 'state', 'RESERVED', 'queueId', queueId, 'reservedAt', now)
  redis.call('ZADD', wk, now, chatId)
end
return {'RESERVED', tostring(redis.call('ZRANK', wk, chatId) + 1)}
