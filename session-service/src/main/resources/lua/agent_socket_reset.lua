-- Sets this process's count of an agent's sockets to what it holds: after its heartbeat had expired (a stall, or
-- Redis away for longer than the heartbeat's TTL) another process may have released its counts and asked OFFLINE.
-- The process counts under a new id since its heartbeat expired; its previous id's count goes in the same step.
-- KEYS: 1 the agent's socket-count hash   ARGV: 1 process id, 2 open sockets here, 3 its previous id ('' none)
-- Returns {the count here, version, process, count, ...}, as agent_socket.lua.
local n = tonumber(ARGV[2])
if n > 0 then
  call('HSET', KEYS[1], ARGV[1], n)
else
  call('HDEL', KEYS[1], ARGV[1])
end
if ARGV[3] ~= '' and ARGV[3] ~= ARGV[1] then
  call('HDEL', KEYS[1], ARGV[3])
end
local version = call('HINCRBY', KEYS[1], '_version', 1)
return counts(KEYS[1], n, version)
