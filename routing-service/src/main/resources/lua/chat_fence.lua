-- Reconciliation's fence, on the chat's partition, before a stale hold is dropped: the hold's offer id is barred on
-- the chat, so a claim that stalled between taking the agent's slot and offering the chat (agent_hold.lua, then
-- chat_offer.lua or chat_transfer.lua) can no longer make that offer: both refuse a fenced offer id. Both scripts and
-- this one are atomic on the chat, so either the offer came first (the chat carries it: the hold is REAL and kept) or
-- the fence did (the offer is refused, the stalled claim gives its slot back and chooses again). No offer ever stands
-- without its slot, whatever the stall.
-- KEYS: chat   ARGV: offerId agentId now
local ck = KEYS[1]
local c = call('HMGET', ck, 'state', 'agentId', 'offerId')
if (c[1] == 'OFFERED' or c[1] == 'ASSIGNED') and c[2] == A[2] and c[3] == A[1] then return {'REAL'} end
if c[1] then call('HSET', ck, 'fenced:' .. A[1], A[3]) end
return {'FENCED'}
