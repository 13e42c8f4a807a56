-- Posts one message: a known clientMsgId returns its seq again and stores nothing.
-- KEYS: 1 chat hash, 2 messages list, 3 client-msgs hash, 4 outbox stream
-- ARGV: 1 clientMsgId, 2 event data without seq (JSON), 3 event id, 4 sender kind (visitor|agent|platform),
--       5 senderId, 6 time
-- returns {status, seq}: status ok | dup | not_found | closed | not_assigned
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'not_found', 0}
end
local known = redis.call('HGET', KEYS[3], ARGV[1])
if known then
  return {'dup', tonumber(known)}
end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'CLOSED' then
  return {'closed', 0}
end
if ARGV[4] == 'agent' then
  local agentId = redis.call('HGET', KEYS[1], 'agentId')
  if status ~= 'ACTIVE' or agentId ~= ARGV[5] then
    return {'not_assigned', 0}
  end
end
local chatId = redis.call('HGET', KEYS[1], 'chatId')
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local data = cjson.decode(ARGV[2])
data['seq'] = seq
local json = cjson.encode(data)
redis.call('RPUSH', KEYS[2], json)
redis.call('HSET', KEYS[3], ARGV[1], seq)
redis.call('XADD', KEYS[4], '*', 'id', ARGV[3], 'type', 'chat.message.posted', 'key', chatId,
  'topic', 'chat-events', 'time', ARGV[6], 'data', json)
return {'ok', seq}
