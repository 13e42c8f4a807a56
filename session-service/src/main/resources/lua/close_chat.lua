-- Closes a chat and appends chat.closed; the chat's keys expire after the retention (history-service keeps the record).
-- KEYS: 1 chat hash, 2 outbox stream, 3 messages list, 4 client-msgs hash
-- ARGV: 1 by (visitor|agent|system), 2 caller agent id (checked when by = agent), 3 event id, 4 time,
--       5 retention seconds, 6 reason (optional: not-routed when routing could place the chat in no queue)
-- Also drops the chat from its agent's index (session:agent:<id>:chats, kept by project.lua): the chat.closed this
-- appends is not projected again (the chat is CLOSED already), so nothing else would.
-- returns status: ok | already | not_found | not_assigned
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 'not_found'
end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'CLOSED' then
  return 'already'
end
local agentId = redis.call('HGET', KEYS[1], 'agentId')
if agentId == false or agentId == '' then
  agentId = nil
end
if ARGV[1] == 'agent' and agentId ~= ARGV[2] then
  return 'not_assigned'
end
local chatId = redis.call('HGET', KEYS[1], 'chatId')
redis.call('HSET', KEYS[1], 'status', 'CLOSED', 'closedAt', ARGV[4], 'closedBy', ARGV[1])
if agentId then
  redis.call('SREM', 'session:agent:' .. agentId .. ':chats', chatId)
end
local lastSeq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local closed = {chatId = chatId, by = ARGV[1], agentId = agentId or cjson.null, closedAt = ARGV[4], lastSeq = lastSeq}
if ARGV[6] and ARGV[6] ~= '' then
  closed.reason = ARGV[6]
  redis.call('HSET', KEYS[1], 'closeReason', ARGV[6])
end
local data = cjson.encode(closed)
outbox(KEYS[2], ARGV[3], 'chat.closed', chatId, 'chat-events', ARGV[4], data)
local ttl = tonumber(ARGV[5])
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[3], ttl)
redis.call('EXPIRE', KEYS[4], ttl)
return 'ok'
