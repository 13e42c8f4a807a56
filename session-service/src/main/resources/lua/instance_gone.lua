-- Releases the sockets a gone session-service process counted for one agent (its heartbeat expired: it crashed or
-- stalled). When the agent has no socket left on a live process, OFFLINE (reason disconnected) is appended to the
-- outbox in the same step, so routing starts the agent's grace period instead of offering chats to nobody.
-- Idempotent: only the step that removes the gone process's count announces anything. A process whose heartbeat is
-- back (it only stalled) is not released.
-- KEYS: 1 the agent's socket-count hash, 2 the gone process's agent set, 3 outbox, 4 the gone process's heartbeat
-- ARGV: 1 the gone process's id, 2 agent id, 3 event id, 4 time
-- Returns 'alive', 'none' (nothing counted there any more), 'live' (sockets left elsewhere) or 'offline'.
if redis.call('EXISTS', KEYS[4]) == 1 then
  return 'alive'
end
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return 'none'
end
local version = redis.call('HINCRBY', KEYS[1], '_version', 1)
-- open sockets on live processes (the counts of gone ones pruned): live_sockets, Scripts' prelude
local total = live_sockets(KEYS[1])
if total > 0 then
  return 'live'
end
outbox(KEYS[3], ARGV[3], 'agent.presence.requested', ARGV[2], 'agent-events', ARGV[4],
  cjson.encode({agentId = ARGV[2], status = 'OFFLINE', reason = 'disconnected', socketVersion = version,
    requestedAt = ARGV[4]}))
return 'offline'
