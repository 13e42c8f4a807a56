-- ARGV: key owner ; release the relay lease if still ours
if redis.call('GET', ARGV[1]) == ARGV[2] then return redis.call('DEL', ARGV[1]) end
return 0
