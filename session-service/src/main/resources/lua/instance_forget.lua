-- Forgets a gone process once none of its agents is left to release (and its heartbeat did not come back).
-- KEYS: 1 the processes (set), 2 the process's agent set, 3 its heartbeat   ARGV: 1 the process's id
if redis.call('EXISTS', KEYS[3]) == 1 then return 'alive' end
if redis.call('SCARD', KEYS[2]) > 0 then return 'pending' end
redis.call('SREM', KEYS[1], ARGV[1])
return 'forgotten'
