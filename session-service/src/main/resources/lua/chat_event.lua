-- An event about a chat that session itself does not act on: the visitor's survey, the agent's tags, a suggestion the
-- agent used, a transfer request (routing decides it). Checked against the chat in the same step as the outbox append.
-- KEYS: 1 chat hash, 2 outbox stream
-- ARGV: 1 kind (survey|tag|suggestion|transfer), 2 agentId (tag, suggestion, transfer), 3 event id, 4 type, 5 time,
--       6 data (JSON), 7 the request's Idempotency-Key field on the chat ('idem:' .. a hash of kind, caller, key and
--       body; '' without a key), 8 the answer kept under it
-- returns status: ok | replay|<kept answer> | not_found | not_closed | already | not_assigned | not_active
if call('EXISTS', KEYS[1]) == 0 then
  return 'not_found'
end
local idem = ARGV[7] or ''
if idem ~= '' then
  -- the same key and body again: the first answer, and no second event
  local kept = call('HGET', KEYS[1], idem)
  if kept then return 'replay|' .. kept end
end
local status = call('HGET', KEYS[1], 'status')
local chatId = call('HGET', KEYS[1], 'chatId')
if ARGV[1] == 'survey' then
  if status ~= 'CLOSED' then return 'not_closed' end
  -- one survey per chat: the first answer counts
  if call('HSETNX', KEYS[1], 'surveyedAt', ARGV[5]) == 0 then return 'already' end
else
  if call('HGET', KEYS[1], 'agentId') ~= ARGV[2] then return 'not_assigned' end
  -- a transfer moves a chat an agent holds: not one that is only offered, waiting or over
  if ARGV[1] == 'transfer' and status ~= 'ACTIVE' then return 'not_active' end
end
outbox(KEYS[2], ARGV[3], ARGV[4], chatId, 'chat-events', ARGV[5], ARGV[6])
if idem ~= '' then
  call('HSET', KEYS[1], idem, ARGV[8])
end
return 'ok'
