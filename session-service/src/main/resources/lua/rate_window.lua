-- Counts one event in a fixed window: the first event opens the window (PEXPIRE), the count is returned.
-- KEYS: 1 the counter; ARGV: 1 window length in ms
local n = call('INCR', KEYS[1])
if n == 1 then
  call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
