-- Releases the sockets a gone session-service process counted for one agent (its heartbeat expired: it crashed or
-- stalled; the caller checked). When the agent has no socket left on a process not known to be gone, OFFLINE (reason
-- disconnected) is appended to the outbox in the same step, so routing starts the agent's grace period instead of
-- offering chats to nobody. Idempotent: only the step that removes the gone process's count announces anything.
-- KEYS: 1 the agent's socket-count hash, 2 the outbox of the agent's partition
-- ARGV: 1 the gone process's id, 2 agent id, 3 event id, 4 time, 5.. every process whose heartbeat had expired
-- Returns 'none' (nothing counted there any more), 'live' (sockets left elsewhere) or 'offline'.
if call('HDEL', KEYS[1], ARGV[1]) == 0 then
  return 'none'
end
local version = call('HINCRBY', KEYS[1], '_version', 1)
local gone = {}
for i = 5, #ARGV do
  gone[ARGV[i]] = true
end
local total = 0
local all = call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if all[i] ~= '_version' and not gone[all[i]] then
    total = total + tonumber(all[i + 1])
  end
end
if total > 0 then
  return 'live'
end
outbox(KEYS[2], ARGV[3], 'agent.presence.requested', ARGV[2], 'agent-events', ARGV[4],
  cjson.encode({agentId = ARGV[2], status = 'OFFLINE', reason = 'disconnected', socketVersion = version,
    requestedAt = ARGV[4]}))
return 'offline'
