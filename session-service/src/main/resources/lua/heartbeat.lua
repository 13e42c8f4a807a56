-- A process's heartbeat, renewed for the TTL. Answers whether it was still there (0: it had expired, or this is the
-- process's first beat). The caller lists the process among those counting sockets (another key, another slot).
-- KEYS: 1 the heartbeat   ARGV: 1 TTL in seconds
local was = call('EXISTS', KEYS[1])
call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[1]))
return was
