-- Drops a reservation that chat.requested never confirmed (session-service failed after evaluating).
-- ARGV: chatId olderThanMs
local chatId, cutoff = ARGV[1], tonumber(ARGV[2])
local ck = 'routing:chat:' .. chatId
if redis.call('HGET', ck, 'state') ~= 'RESERVED' then return {'KEPT'} end
if tonumber(redis.call('HGET', ck, 'reservedAt') or '0') > cutoff then return {'KEPT'} end
redis.call('ZREM', 'routing:queue:' .. redis.call('HGET', ck, 'queueId') .. ':waiting', chatId)
redis.call('DEL', ck)
return {'DROPPED'}
