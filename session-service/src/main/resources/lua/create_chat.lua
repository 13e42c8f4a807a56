-- Creates a chat, its visitor-token mapping, the optional first message, and appends
-- chat.requested (+ chat.message.posted) to the outbox, all at once.
-- KEYS: 1 chat hash, 2 visitor-token key, 3 messages list, 4 client-msgs hash, 5 outbox stream, 6 idempotency record
-- ARGV: 1 chat fields (JSON object of strings), 2 chatId, 3 requested event id, 4 requested data, 5 time,
--       6 message event id or "", 7 message data (seq 1) or "", 8 clientMsgId or "",
--       9 idempotency "1"/"0", 10 sealed answer, 11 idempotency ttl seconds, 12 request hash,
--       13 visitor token ttl seconds
if ARGV[9] == '1' then
  local existing = call('GET', KEYS[6])
  if existing then
    return {'dup', existing}
  end
end
if call('EXISTS', KEYS[1]) == 1 then
  return {'exists', ''}
end
local fields = cjson.decode(ARGV[1])
for k, v in pairs(fields) do
  call('HSET', KEYS[1], k, v)
end
call('SET', KEYS[2], ARGV[2], 'EX', tonumber(ARGV[13]))
outbox(KEYS[5], ARGV[3], 'chat.requested', ARGV[2], 'chat-events', ARGV[5], ARGV[4])
if ARGV[6] ~= '' then
  call('HSET', KEYS[1], 'seq', 1)
  call('RPUSH', KEYS[3], ARGV[7])
  if ARGV[8] ~= '' then
    call('HSET', KEYS[4], ARGV[8], 1)
  end
  outbox(KEYS[5], ARGV[6], 'chat.message.posted', ARGV[2], 'chat-events', ARGV[5], ARGV[7])
end
if ARGV[9] == '1' then
  call('SET', KEYS[6], cjson.encode({requestHash = ARGV[12], answer = ARGV[10]}), 'EX', tonumber(ARGV[11]))
end
return {'ok', ''}
