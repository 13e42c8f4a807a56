-- A process's heartbeat: renewed for the TTL, the process listed among those counting sockets. Answers whether the
-- heartbeat was still there (0: it had expired, or this is the process's first beat).
-- KEYS: 1 the heartbeat, 2 the processes (set)   ARGV: 1 process id, 2 TTL in seconds
local was = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[2]))
redis.call('SADD', KEYS[2], ARGV[1])
return was
