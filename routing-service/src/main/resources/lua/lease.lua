-- ARGV: key owner ttlMs ; acquire or renew the relay lease
local cur = redis.call('GET', ARGV[1])
if cur == false then
  redis.call('SET', ARGV[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
if cur == ARGV[2] then
  redis.call('PEXPIRE', ARGV[1], ARGV[3])
  return 1
end
return 0
