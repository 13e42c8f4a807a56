-- Keeps one routing target's candidate index and aggregates in line with one agent's state (a version per agent:
-- an older update never overwrites a newer one). cand: AVAILABLE agents, not in a grace period, with a free slot,
-- scored by AgentSelector.indexScore. The aggregates (able: not OFFLINE; available; slots: the max of AVAILABLE ones;
-- free: their free slots; busy: active chats of not-OFFLINE ones) are kept by adding the difference of the agent's
-- terms, so evaluation and the wait estimate read them in O(1).
-- KEYS: cand able agg   ARGV: agentId ver status active max grace score member('1' = serves the target)
local ck, ak, gk = KEYS[1], KEYS[2], KEYS[3]
local prev = call('HGET', ak, A[1])
local ps, pa, pm, pg = 'GONE', 0, 0, ''
if prev then
  local pv
  pv, ps, pa, pm, pg = string.match(prev, '^(%d+)|(%a+)|(-?%d+)|(%d+)|(.*)$')
  if tonumber(pv) >= tonumber(A[2]) then return {'STALE'} end
  pa, pm = tonumber(pa), tonumber(pm)
end
local function terms(st, act, mx, g)
  local able, avail, slots, free, busy = 0, 0, 0, 0, 0
  if st ~= 'OFFLINE' and st ~= 'GONE' then
    able = 1
    busy = act
  end
  if st == 'AVAILABLE' and g == '' then
    slots = mx
    if act < mx then
      free = mx - act
      avail = 1
    end
  end
  return {able = able, available = avail, slots = slots, free = free, busy = busy}
end
local status = A[3]
if A[8] ~= '1' then status = 'GONE' end
local active, max = tonumber(A[4]), tonumber(A[5])
local old = terms(ps, pa, pm, pg)
local new = terms(status, active, max, A[6])
for k, v in pairs(new) do
  if v ~= old[k] then call('HINCRBY', gk, k, v - old[k]) end
end
call('HSET', ak, A[1], A[2] .. '|' .. status .. '|' .. active .. '|' .. max .. '|' .. A[6])
if new.available == 1 then
  call('ZADD', ck, A[7], A[1])
else
  call('ZREM', ck, A[1])
end
return {'OK'}
