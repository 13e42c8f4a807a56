-- The agent side of a claim, first of the two steps: takes one of the agent's slots for a chat, atomically with the
-- checks (AVAILABLE, not in a grace period, active < max, not already holding the chat). The cap is an invariant of
-- this one hash: whatever the number of routing instances, no agent ever holds more than max chats here, and the
-- chat side (chat_offer.lua) only ever points at an agent that holds it. A claim that loses the chat is undone by
-- agent_unhold.lua (mode compensate).
-- KEYS: agent holds outbox   ARGV: agentId chatId offerId now nowIso eventId
local ak, hk, ob = KEYS[1], KEYS[2], KEYS[3]
local a = call('HMGET', ak, 'status', 'active', 'max', 'grace')
if not a[1] then return with_state({'REFUSED', 'unknown agent'}, ak) end
if a[1] ~= 'AVAILABLE' then return with_state({'REFUSED', 'status ' .. a[1]}, ak) end
if a[4] then return with_state({'REFUSED', 'disconnected'}, ak) end
if call('HEXISTS', hk, A[2]) == 1 then return with_state({'REFUSED', 'already holds this chat'}, ak) end
local active, max = tonumber(a[2] or '0'), tonumber(a[3] or '0')
if active >= max then return with_state({'REFUSED', 'full'}, ak) end
call('HSET', hk, A[2], A[3] .. '|' .. A[4])
active = call('HINCRBY', ak, 'active', 1)
call('HSET', ak, 'lastAssignedAt', A[4])
call('HINCRBY', ak, 'ver', 1)
capacity(ob, A[6], A[1], active, max, A[5], 'offered')
return with_state({'HELD', tostring(active)}, ak)
