-- Applies one consumed event to the chat hash, once per event id.
-- KEYS: 1 processed marker, 2 chat hash
-- ARGV: 1 marker ttl seconds, 2 statuses the change applies to ("*" or comma list), 3 offerId that must match ("" = any),
--       4.. field/value pairs
-- Maintains session:agent:<id>:chats (chats offered or assigned to the agent).
-- returns 1 applied, 0 already processed, 2 skipped (unknown chat or guard)
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[1]))
if redis.call('EXISTS', KEYS[2]) == 0 then
  return 2
end
local status = redis.call('HGET', KEYS[2], 'status') or ''
if ARGV[2] ~= '*' and not string.find(',' .. ARGV[2] .. ',', ',' .. status .. ',', 1, true) then
  return 2
end
if ARGV[3] ~= '' then
  local offerId = redis.call('HGET', KEYS[2], 'offerId')
  if offerId ~= ARGV[3] then
    return 2
  end
end
local before = redis.call('HGET', KEYS[2], 'agentId')
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
-- the agent's index of the chats offered or assigned to them (what their socket is told on connect)
local after = redis.call('HMGET', KEYS[2], 'status', 'agentId', 'chatId')
local chatId = after[3]
if before and before ~= '' and before ~= after[2] then
  redis.call('SREM', 'session:agent:' .. before .. ':chats', chatId)
end
if after[2] and after[2] ~= '' then
  if after[1] == 'OFFERED' or after[1] == 'ACTIVE' then
    redis.call('SADD', 'session:agent:' .. after[2] .. ':chats', chatId)
  else
    redis.call('SREM', 'session:agent:' .. after[2] .. ':chats', chatId)
  end
end
return 1
