-- Removes a timer whose work has run (cool, idx, open, close: work that is safe to repeat), unless it was re-armed
-- for later meanwhile. The work runs before the removal, so a failure in between leaves the timer due and it is
-- tried again; a repeat of the work is harmless.
-- KEYS: due   ARGV: member, the time it fired (epoch ms)
local score = call('ZSCORE', KEYS[1], A[1])
if score and tonumber(score) <= tonumber(A[2]) then
  call('ZREM', KEYS[1], A[1])
  return {'TAKEN'}
end
return {'GONE'}
