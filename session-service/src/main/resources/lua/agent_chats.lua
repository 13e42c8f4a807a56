-- The chats an agent's socket is told of on connect: those of the agent's index (session:agent:<id>:chats) that are
-- still offered to or held by the agent. Drops the others (closed, moved on, expired): an index left with entries by
-- an earlier build, or by a chat whose keys expired, heals here instead of being read entry by entry on every connect.
-- KEYS: 1 the agent's index
-- ARGV: 1 agent id, 2 the chat hash key prefix
-- returns the chat ids left
local left = {}
for _, chatId in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local c = redis.call('HMGET', ARGV[2] .. chatId, 'status', 'agentId')
  if c[2] == ARGV[1] and (c[1] == 'OFFERED' or c[1] == 'ACTIVE') then
    left[#left + 1] = chatId
  else
    redis.call('SREM', KEYS[1], chatId)
  end
end
return left
