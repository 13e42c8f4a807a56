-- Counts an agent's open sockets per session-service instance; answers how many are open on live instances.
-- KEYS: 1 the agent's socket-count hash
-- ARGV: 1 instance id, 2 +1 (opened) or -1 (closed)
-- An instance is live while its heartbeat key session:instance:<id> exists, so a crashed instance's sockets do
-- not keep an agent online for ever. Returns the number of open sockets on live instances.
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], tonumber(ARGV[2]))
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local total = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if redis.call('EXISTS', 'session:instance:' .. all[i]) == 1 then
    total = total + tonumber(all[i + 1])
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
return total
