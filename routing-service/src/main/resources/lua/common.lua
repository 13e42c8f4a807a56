-- shared helpers, prepended to every routing script
-- appends the event to the outbox stream (the crash safety net) and to __emitted, which the script returns so
-- that the caller publishes it at once (see Scripts.java)
local function outbox(id, etype, key, time, data)
  local topic = 'chat-events'
  if string.sub(etype, 1, 6) == 'agent.' then topic = 'agent-events' end
  local sid = redis.call('XADD', 'routing:outbox', '*', 'id', id, 'type', etype, 'source', '/routing-service',
    'key', key, 'topic', topic, 'time', time, 'data', data)
  __emitted[#__emitted + 1] = {sid, id, etype, key, topic, time, data}
end
local function seen(pid)
  return pid ~= '' and redis.call('EXISTS', 'routing:processed:' .. pid) == 1
end
local function processed(pid, ttl)
  if pid ~= '' then redis.call('SET', 'routing:processed:' .. pid, '1', 'EX', ttl) end
end
local function capacity(id, agentId, active, max, time)
  outbox(id, 'agent.capacity.changed', agentId, time,
    cjson.encode({agentId = agentId, active = tonumber(active), max = tonumber(max), changedAt = time}))
end
