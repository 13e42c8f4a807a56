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
-- adds to a queue's service-level counters of one UTC day (routing:stats:queue:<queueId>:<yyyy-MM-dd>, a hash that
-- expires ttl seconds after its last write): counts = {field = n, ...}
local function queue_stats(queueId, day, ttl, counts)
  local sk = 'routing:stats:queue:' .. queueId .. ':' .. day
  for field, n in pairs(counts) do redis.call('HINCRBY', sk, field, n) end
  redis.call('EXPIRE', sk, ttl)
end
-- the queue's service-level target in seconds (QueueDefinition.serviceLevelTargetSeconds, default 60)
local function sl_target(queueId)
  local q = redis.call('GET', 'routing:queue:' .. queueId)
  if q then
    local ok, def = pcall(cjson.decode, q)
    if ok and type(def) == 'table' and type(def.serviceLevelTargetSeconds) == 'number' then
      return def.serviceLevelTargetSeconds
    end
  end
  return 60
end
