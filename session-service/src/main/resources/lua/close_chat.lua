-- Closes a chat and appends chat.closed; the chat's keys expire after the retention (history-service keeps the record).
-- KEYS: 1 chat hash, 2 outbox stream, 3 messages list, 4 client-msgs hash, 5 visitors-seen sorted set
-- ARGV: 1 by (visitor|agent|system), 2 caller agent id (checked when by = agent), 3 event id, 4 time,
--       5 retention seconds, 6 reason (optional: not-routed when routing could place the chat in no queue, visitor-left),
--       7 chat id, 8 visitor-gone cutoff (epoch ms; '' = close whatever), 9 now (epoch ms, with a cutoff)
-- Also drops the chat from its agent's index (session:agent:<id>:chats, kept by project.lua): the chat.closed this
-- appends is not projected again (the chat is CLOSED already), so nothing else would. And from the visitors-seen set.
-- With a cutoff (VisitorPresence's check), the chat is closed only while it waits for an agent (QUEUED or OFFERED) and
-- its visitor was last seen at or before the cutoff: back when a socket was seen since (or none ever was); not_waiting
-- when an agent holds it (its note moves to now: looked at again one timeout later, in case it is put back in line) or
-- when it is a message left for a closed queue (OFFLINE now or before, leftForLater: its note is dropped for good).
-- returns status: ok | already | not_found | not_assigned | back | not_waiting
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[5], ARGV[7])
  return 'not_found'
end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'CLOSED' then
  redis.call('ZREM', KEYS[5], ARGV[7])
  return 'already'
end
if ARGV[8] ~= '' then
  local seen = redis.call('ZSCORE', KEYS[5], ARGV[7])
  if not seen or tonumber(seen) > tonumber(ARGV[8]) then
    return 'back'
  end
  if status == 'OFFLINE' or redis.call('HGET', KEYS[1], 'leftForLater') == '1' then
    redis.call('ZREM', KEYS[5], ARGV[7])
    return 'not_waiting'
  end
  if status ~= 'QUEUED' and status ~= 'OFFERED' then
    redis.call('ZADD', KEYS[5], ARGV[9], ARGV[7])
    return 'not_waiting'
  end
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
redis.call('ZREM', KEYS[5], ARGV[7])
local data = cjson.encode(closed)
outbox(KEYS[2], ARGV[3], 'chat.closed', chatId, 'chat-events', ARGV[4], data)
local ttl = tonumber(ARGV[5])
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[3], ttl)
redis.call('EXPIRE', KEYS[4], ttl)
return 'ok'
