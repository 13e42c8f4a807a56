-- Counts an agent's open sockets per session-service process.
-- KEYS: 1 the agent's socket-count hash (the agent's partition)
-- ARGV: 1 process id, 2 +1 (opened) or -1 (closed)
-- Returns {the count on this process, version, process, count, process, count, ...}: the version rises with every open
-- and close of the agent's sockets on any process, so routing can tell which of two events that raced is newer. The
-- caller adds up the counts of the live processes (a process is live while its heartbeat exists: another slot).
local n = call('HINCRBY', KEYS[1], ARGV[1], tonumber(ARGV[2]))
if n <= 0 then
  call('HDEL', KEYS[1], ARGV[1])
end
local version = call('HINCRBY', KEYS[1], '_version', 1)
return counts(KEYS[1], math.max(n, 0), version)
