-- Sets this process's count of an agent's sockets to what it holds: after its heartbeat had expired (a stall, or
-- Redis away for longer than the heartbeat's TTL) another process may have released its counts and asked OFFLINE.
-- KEYS: 1 the agent's socket-count hash, 2 the process's agent set   ARGV: 1 process id, 2 open sockets here, 3 agent id
-- Returns {open sockets on live processes, version}, as agent_socket.lua.
local n = tonumber(ARGV[2])
if n > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], n)
  redis.call('SADD', KEYS[2], ARGV[3])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[3])
end
local version = redis.call('HINCRBY', KEYS[1], '_version', 1)
return {live_sockets(KEYS[1]), version}
