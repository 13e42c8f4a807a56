-- The agent accepts or declines the offer it holds; appends chat.offer.accepted / chat.offer.declined.
-- KEYS: 1 chat hash, 2 outbox stream
-- ARGV: 1 accept|decline, 2 agent id, 3 event id, 4 time, 5 reason ("" for none)
-- returns {status, offerId}: ok | not_found | no_offer
if call('EXISTS', KEYS[1]) == 0 then
  return {'not_found', ''}
end
local status = call('HGET', KEYS[1], 'status')
local agentId = call('HGET', KEYS[1], 'agentId')
local offerId = call('HGET', KEYS[1], 'offerId')
if status ~= 'OFFERED' or agentId ~= ARGV[2] or not offerId or offerId == '' then
  return {'no_offer', ''}
end
local chatId = call('HGET', KEYS[1], 'chatId')
local data
local type
if ARGV[1] == 'accept' then
  type = 'chat.offer.accepted'
  call('HSET', KEYS[1], 'acceptedAt', ARGV[4])
  data = cjson.encode({chatId = chatId, agentId = ARGV[2], offerId = offerId, acceptedAt = ARGV[4]})
else
  type = 'chat.offer.declined'
  call('HSET', KEYS[1], 'status', 'QUEUED', 'agentId', '', 'offerId', '')
  local reason = cjson.null
  if ARGV[5] ~= '' then reason = ARGV[5] end
  data = cjson.encode({chatId = chatId, agentId = ARGV[2], offerId = offerId, reason = reason, declinedAt = ARGV[4]})
end
outbox(KEYS[2], ARGV[3], type, chatId, 'chat-events', ARGV[4], data)
return {'ok', offerId}
