-- The agent side's check after an offer was made or accepted: does the agent still hold the offer's slot? A claim is
-- agent_hold.lua, then chat_offer.lua; a routing instance that stalls between the two for longer than
-- reconcile-min-age-millis (GC pause, slow Redis, a frozen process) may find its hold dropped by reconciliation (the
-- chat did not point at the agent yet) and then make the offer anyway. This third step closes that gap.
--   offer     after chat_offer.lua answered OFFERED (a dispatch claim, a transfer to an agent):
--               HELD      the agent holds the chat with this offer: nothing to do
--               REHELD    the hold was gone: the slot is taken again, with agent_hold.lua's capacity check (active < max)
--                         and its event (reason offered, repaired claim)
--               FULL      the hold was gone and the agent has no free slot: the caller withdraws the offer
--               GONE      the hold was gone and the agent is OFFLINE or in a disconnect's grace period (its offers were
--                         withdrawn without this one): the caller withdraws the offer
--               CONFLICT  the agent holds the chat under another offer (another claim of it in flight, which will lose
--                         the chat and give its hold back): the caller withdraws this offer
--   assigned  after chat_accept.lua answered ASSIGNED but agent_touch.lua found no hold: the chat is the agent's, so its
--             slot is taken whatever the cap (active may exceed max: visible in the event, never hidden):
--               HELD      the hold is there (marked assigned)
--               REHELD    taken again (reason offered, repaired accept)
--               ADOPTED   the agent held the chat under another offer (a claim in flight): the hold is now this one's
-- KEYS: agent holds outbox   ARGV: agentId chatId offerId mode(offer|assigned) now nowIso eventId
local ak, hk, ob = KEYS[1], KEYS[2], KEYS[3]
local agentId, chatId, offerId, mode, now = A[1], A[2], A[3], A[4], A[5]
if call('EXISTS', ak) == 0 then return {'UNKNOWN'} end
local h = call('HGET', hk, chatId)
local ours = h and string.sub(h, 1, #offerId + 1) == offerId .. '|'
if mode == 'assigned' then
  if ours then
    if string.sub(h, -2) ~= '|A' then call('HSET', hk, chatId, h .. '|A') end
    return with_state({'HELD', ''}, ak)
  end
  call('HSET', hk, chatId, offerId .. '|' .. now .. '|A')
  call('HINCRBY', ak, 'ver', 1)
  if h then return with_state({'ADOPTED', h}, ak) end
  local active = call('HINCRBY', ak, 'active', 1)
  local max = call('HGET', ak, 'max') or '1'
  capacity(ob, A[7], agentId, active, max, A[6], 'offered', {repaired = 'accept'})
  return with_state({'REHELD', tostring(active)}, ak)
end
if ours then return with_state({'HELD', ''}, ak) end
if h then return with_state({'CONFLICT', h}, ak) end
local a = call('HMGET', ak, 'status', 'active', 'max', 'grace')
if a[1] == nil or a[1] == 'OFFLINE' or a[4] then return with_state({'GONE', tostring(a[1])}, ak) end
local active, max = tonumber(a[2] or '0'), tonumber(a[3] or '0')
if active >= max then return with_state({'FULL', tostring(active)}, ak) end
call('HSET', hk, chatId, offerId .. '|' .. now)
active = call('HINCRBY', ak, 'active', 1)
call('HINCRBY', ak, 'ver', 1)
capacity(ob, A[7], agentId, active, max, A[6], 'offered', {repaired = 'claim'})
return with_state({'REHELD', tostring(active)}, ak)
