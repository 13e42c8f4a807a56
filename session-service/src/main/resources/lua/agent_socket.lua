-- Counts an agent's open sockets per session-service instance; answers how many are open on live instances.
-- KEYS: 1 the agent's socket-count hash, 2 the agents the instance counts sockets of (a set)
-- ARGV: 1 instance id, 2 +1 (opened) or -1 (closed), 3 the agent id
-- An instance is live while its heartbeat key session:instance:<id> exists, so a crashed instance's sockets do
-- not keep an agent online for ever. Returns {open sockets on live instances, version}: the version rises with every
-- open and close of the agent's sockets on any instance, so routing can tell which of two events that raced is newer.
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], tonumber(ARGV[2]))
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[3])
else
  redis.call('SADD', KEYS[2], ARGV[3])
end
local version = redis.call('HINCRBY', KEYS[1], '_version', 1)
-- open sockets on live processes (the counts of gone ones pruned): live_sockets, Scripts' prelude
local total = live_sockets(KEYS[1])
return {total, version}
