-- Closes a chat and appends chat.closed; the chat's keys expire after the retention (history-service keeps the record).
-- KEYS: 1 chat hash, 2 outbox stream, 3 messages list, 4 client-msgs hash, 5 visitors-seen sorted set
-- ARGV: 1 by (visitor|agent|system), 2 caller agent id (checked when by = agent), 3 event id, 4 time,
--       5 retention seconds, 6 reason (optional: not-routed when routing could place the chat in no queue, visitor-left),
--       7 chat id, 8 visitor-gone cutoff (epoch ms; '' = close whatever), 9 now (epoch ms, with a cutoff)
-- Also drops the chat from the visitors-seen set. Every key is in the chat's partition (one cluster slot); the caller
-- drops the chat from its agent's index (another partition) afterwards, with the agent id this returns.
-- With a cutoff (VisitorPresence's check), the chat is closed only while it waits for an agent (QUEUED or OFFERED) and
-- its visitor was last seen at or before the cutoff: back when a socket was seen since (or none ever was); not_waiting
-- when an agent holds it (its note moves to now: looked at again one timeout later, in case it is put back in line) or
-- when it is a message left for a closed queue (OFFLINE now or before, leftForLater: its note is dropped for good).
-- returns {status, agentId or ''}: status ok | already | not_found | not_assigned | back | not_waiting
if call('EXISTS', KEYS[1]) == 0 then
  call('ZREM', KEYS[5], ARGV[7])
  return {'not_found', ''}
end
local status = call('HGET', KEYS[1], 'status')
if status == 'CLOSED' then
  call('ZREM', KEYS[5], ARGV[7])
  return {'already', ''}
end
if ARGV[8] ~= '' then
  local seen = call('ZSCORE', KEYS[5], ARGV[7])
  if not seen or tonumber(seen) > tonumber(ARGV[8]) then
    return {'back', ''}
  end
  if status == 'OFFLINE' or call('HGET', KEYS[1], 'leftForLater') == '1' then
    call('ZREM', KEYS[5], ARGV[7])
    return {'not_waiting', ''}
  end
  if status ~= 'QUEUED' and status ~= 'OFFERED' then
    call('ZADD', KEYS[5], ARGV[9], ARGV[7])
    return {'not_waiting', ''}
  end
end
local agentId = call('HGET', KEYS[1], 'agentId')
if agentId == false or agentId == '' then
  agentId = nil
end
if ARGV[1] == 'agent' and agentId ~= ARGV[2] then
  return {'not_assigned', ''}
end
local chatId = call('HGET', KEYS[1], 'chatId')
call('HSET', KEYS[1], 'status', 'CLOSED', 'closedAt', ARGV[4], 'closedBy', ARGV[1])
local lastSeq = tonumber(call('HGET', KEYS[1], 'seq') or '0')
local closed = {chatId = chatId, by = ARGV[1], agentId = agentId or cjson.null, closedAt = ARGV[4], lastSeq = lastSeq}
if ARGV[6] and ARGV[6] ~= '' then
  closed.reason = ARGV[6]
  call('HSET', KEYS[1], 'closeReason', ARGV[6])
end
call('ZREM', KEYS[5], ARGV[7])
local data = cjson.encode(closed)
outbox(KEYS[2], ARGV[3], 'chat.closed', chatId, 'chat-events', ARGV[4], data)
local ttl = tonumber(ARGV[5])
call('EXPIRE', KEYS[1], ttl)
call('EXPIRE', KEYS[3], ttl)
call('EXPIRE', KEYS[4], ttl)
return {'ok', agentId or ''}
