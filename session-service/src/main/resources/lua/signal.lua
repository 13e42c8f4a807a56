-- typing and read receipts. KEYS: 1 chat hash, 2 outbox stream
-- ARGV: 1 kind (typing|read), 2 side (visitor|agent), 3 agentId, 4 event id, 5 time, 6 upToSeq
-- returns {status, value}: ok | not_found | closed | not_assigned | bad_seq; for read: value 1 when it moved
if call('EXISTS', KEYS[1]) == 0 then return {'not_found', 0} end
local c = call('HMGET', KEYS[1], 'status', 'agentId', 'seq', 'chatId')
if c[1] == 'CLOSED' and ARGV[1] == 'typing' then return {'closed', 0} end
if ARGV[2] == 'agent' and (c[2] ~= ARGV[3] or (c[1] ~= 'ACTIVE' and c[1] ~= 'CLOSED')) then return {'not_assigned', 0} end
if ARGV[1] == 'typing' then return {'ok', 0} end
local upTo = tonumber(ARGV[6])
if upTo > tonumber(c[3] or '0') then return {'bad_seq', 0} end
local field = 'read:' .. ARGV[2]
if upTo <= tonumber(call('HGET', KEYS[1], field) or '0') then return {'ok', 0} end
call('HSET', KEYS[1], field, upTo)
outbox(KEYS[2], ARGV[4], 'chat.read', c[4], 'chat-events', ARGV[5],
  cjson.encode({chatId = c[4], by = ARGV[2], upToSeq = upTo, readAt = ARGV[5]}))
return {'ok', 1}
