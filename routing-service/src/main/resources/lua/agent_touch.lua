-- An accepted offer: the hold is marked assigned and the agent's missed-offer count starts again.
-- KEYS: agent holds   ARGV: agentId chatId offerId now
local ak, hk = KEYS[1], KEYS[2]
call('HSET', ak, 'missedOffers', 0)
local h = call('HGET', hk, A[2])
if h and string.sub(h, 1, #A[3] + 1) == A[3] .. '|' then
  call('HSET', hk, A[2], A[3] .. '|' .. A[4] .. '|A')
  return {'OK'}
end
return {'NOT_HELD'}
