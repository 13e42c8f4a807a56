-- shared helpers, prepended to every routing script
local function outbox(id, etype, key, time, data)
  local topic = 'chat-events'
  if string.sub(etype, 1, 6) == 'agent.' then topic = 'agent-events' end
  redis.call('XADD', 'routing:outbox', '*', 'id', id, 'type', etype, 'source', '/routing-service',
    'key', key, 'topic', topic, 'time', time, 'data', data)
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
