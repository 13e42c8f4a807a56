-- Frees the agent's slot of a chat (after the chat side let go of the agent): decline, timeout, closed, withdraw,
-- agent-gone, transfer, compensate (a claim that lost the chat). Only the hold of that offer is freed; a second
-- release of the same chat finds nothing (NOT_HELD): the caller counts it, nothing is clamped or hidden.
-- Offers that time out in a row are counted (missedOffers); at the threshold an AVAILABLE agent turns AWAY. Only an
-- offer session-service delivered to the agent's socket counts (chat.offer.delivered): a timeout of one that never
-- reached the agent (undelivered = '1') neither counts nor resets the count.
-- KEYS: agent holds outbox
-- ARGV: agentId chatId offerId('' = any) mode now nowIso awayAfter('' = never) eventId1 eventId2 undelivered('1' | '')
local ak, hk, ob = KEYS[1], KEYS[2], KEYS[3]
local h = call('HGET', hk, A[2])
if (not h) or (A[3] ~= '' and string.sub(h, 1, #A[3] + 1) ~= A[3] .. '|') then
  return with_state({'NOT_HELD', h or ''}, ak)
end
call('HDEL', hk, A[2])
local active = call('HINCRBY', ak, 'active', -1)
if active <= 0 then call('HSET', ak, 'idleSince', A[5]) end
call('HINCRBY', ak, 'ver', 1)
capacity(ob, A[8], A[1], active, call('HGET', ak, 'max') or '1', A[6], A[4])
local away = ''
if A[4] == 'timeout' and A[10] ~= '1' then
  local missed = call('HINCRBY', ak, 'missedOffers', 1)
  if A[7] ~= '' and missed >= tonumber(A[7]) and call('HGET', ak, 'status') == 'AVAILABLE' then
    call('HSET', ak, 'status', 'AWAY', 'statusSince', A[5], 'missedOffers', 0)
    outbox(ob, A[9], 'agent.presence.changed', A[1], A[6], cjson.encode({agentId = A[1], status = 'AWAY',
      previousStatus = 'AVAILABLE', changedAt = A[6], reason = 'missed-offer'}))
    away = 'AWAY'
  end
elseif A[4] == 'decline' then
  call('HSET', ak, 'missedOffers', 0)
end
return with_state({'RELEASED', away}, ak)
