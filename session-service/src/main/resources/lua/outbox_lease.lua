-- Takes or extends the relay lease. KEYS: 1 lease key. ARGV: 1 holder, 2 ttl ms. returns 1 when held.
local holder = call('GET', KEYS[1])
if holder == ARGV[1] then
  call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
if holder then
  return 0
end
call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return 1
