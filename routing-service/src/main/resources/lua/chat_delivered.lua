-- session-service's chat.offer.delivered: the offer's frame was written to the agent's socket before it expired, so
-- the agent could see it. Recorded on the chat (deliveredOffer = that offer id) while the offer stands; when it times
-- out, chat_release.lua reads it, and only a delivered offer's timeout counts as a missed offer (agent_unhold.lua).
-- An event for an offer that is no longer the chat's (answered, expired, withdrawn: it came late) changes nothing.
-- KEYS: chat processed   ARGV: offerId agentId ttl
local ck, pk = KEYS[1], KEYS[2]
local prior = seen(pk)
if prior then return prior end
local c = call('HMGET', ck, 'state', 'agentId', 'offerId')
if c[1] ~= 'OFFERED' or c[2] ~= A[2] or c[3] ~= A[1] then return done(pk, A[3], {'IGNORED', tostring(c[1])}) end
call('HSET', ck, 'deliveredOffer', A[1])
return done(pk, A[3], {'DELIVERED'})
