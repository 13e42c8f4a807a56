-- An event about a chat that session itself does not act on: the visitor's survey, the agent's tags, a suggestion the
-- agent used, a transfer request (routing decides it). Checked against the chat in the same step as the outbox append.
-- KEYS: 1 chat hash, 2 outbox stream
-- ARGV: 1 kind (survey|tag|suggestion|transfer), 2 agentId (tag, suggestion, transfer), 3 event id, 4 type, 5 time,
--       6 data (JSON)
-- returns status: ok | not_found | not_closed | already | not_assigned | not_active
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 'not_found'
end
local status = redis.call('HGET', KEYS[1], 'status')
local chatId = redis.call('HGET', KEYS[1], 'chatId')
if ARGV[1] == 'survey' then
  if status ~= 'CLOSED' then return 'not_closed' end
  -- one survey per chat: the first answer counts
  if redis.call('HSETNX', KEYS[1], 'surveyedAt', ARGV[5]) == 0 then return 'already' end
else
  if redis.call('HGET', KEYS[1], 'agentId') ~= ARGV[2] then return 'not_assigned' end
  -- a transfer moves a chat an agent holds: not one that is only offered, waiting or over
  if ARGV[1] == 'transfer' and status ~= 'ACTIVE' then return 'not_active' end
end
outbox(KEYS[2], ARGV[3], ARGV[4], chatId, 'chat-events', ARGV[5], ARGV[6])
return 'ok'
