-- Posts one message: a known clientMsgId returns its seq again and stores nothing.
-- KEYS: 1 chat hash, 2 messages list, 3 client-msgs hash, 4 outbox stream
-- ARGV: 1 clientMsgId, 2 event data without seq and language (JSON), 3 event id,
--       4 sender kind (visitor|agent|platform), 5 senderId, 6 time, 7 now (epoch ms),
--       8 visitor messages per second, 9 visitor burst
-- returns {status, seq}: status ok | dup | not_found | closed | not_assigned | rate_limited (seq: ms to wait)
if call('EXISTS', KEYS[1]) == 0 then
  return {'not_found', 0}
end
local status = call('HGET', KEYS[1], 'status')
if ARGV[4] == 'agent' and call('HGET', KEYS[1], 'agentId') ~= ARGV[5] then
  -- checked before the duplicate check: an agent learns nothing about a chat that is not theirs
  return {'not_assigned', 0}
end
local known = call('HGET', KEYS[3], ARGV[1])
if known then
  return {'dup', tonumber(known)}
end
if status == 'CLOSED' then
  return {'closed', 0}
end
if ARGV[4] == 'agent' and status ~= 'ACTIVE' then
  return {'not_assigned', 0}
end
if ARGV[4] == 'visitor' then
  -- token bucket per chat (its visitor), kept in the chat hash: every instance sees the same bucket
  local now, rate, burst = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
  local tokens = tonumber(call('HGET', KEYS[1], 'rlTokens') or burst)
  local at = tonumber(call('HGET', KEYS[1], 'rlAt') or now)
  if now > at then tokens = math.min(burst, tokens + (now - at) * rate / 1000) end
  if tokens < 1 then
    return {'rate_limited', math.ceil((1 - tokens) * 1000 / rate)}
  end
  call('HSET', KEYS[1], 'rlTokens', tostring(tokens - 1), 'rlAt', tostring(math.max(now, at)))
end
local chatId = call('HGET', KEYS[1], 'chatId')
local seq = call('HINCRBY', KEYS[1], 'seq', 1)
local data = cjson.decode(ARGV[2])
data['seq'] = seq
local language = call('HGET', KEYS[1], 'language')
if language and language ~= '' then data['language'] = language else data['language'] = cjson.null end
local json = cjson.encode(data)
call('RPUSH', KEYS[2], json)
call('HSET', KEYS[3], ARGV[1], seq)
outbox(KEYS[4], ARGV[3], 'chat.message.posted', chatId, 'chat-events', ARGV[6], json)
return {'ok', seq}
