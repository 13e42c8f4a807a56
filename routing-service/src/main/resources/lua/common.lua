-- Shared helpers, prepended to every state-changing routing script (see Scripts.java).
-- Redis Cluster: every key a script touches is declared in KEYS (touching any other key is an error, checked here on
-- every call) and all of a script's KEYS carry one hash tag (checked by RoutingStore before the call), so every
-- script runs unchanged on a cluster. Use call(), never redis.call().
local __declared = {}
for _, k in ipairs(KEYS) do __declared[k] = true end
local function call(cmd, key, ...)
  if key == nil or key == '' or not __declared[key] then
    return error('routing script touched an undeclared key: ' .. cmd .. ' ' .. tostring(key))
  end
  return redis.call(cmd, key, ...)
end
local A = ARGV
-- Idempotency: the marker of an applied event holds that application's result, so a redelivered event gets the
-- same answer (and the caller can finish the follow-up steps in other partitions) without changing anything.
local function seen(pk)
  if pk == nil or pk == '' then return nil end
  local v = call('GET', pk)
  if v then
    __replay = 1
    return cjson.decode(v)
  end
  return nil
end
local function done(pk, ttl, result)
  if pk ~= nil and pk ~= '' then call('SET', pk, cjson.encode(result), 'EX', ttl) end
  return result
end
-- Appends the event to this partition's outbox stream (the crash safety net) and to __emitted, which the script
-- returns so that the caller publishes it at once.
local function outbox(stream, id, etype, key, time, data)
  local topic = 'chat-events'
  if string.sub(etype, 1, 6) == 'agent.' then topic = 'agent-events' end
  local sid = call('XADD', stream, '*', 'id', id, 'type', etype, 'source', '/routing-service', 'key', key,
    'topic', topic, 'time', time, 'data', data)
  __emitted[#__emitted + 1] = {stream, sid, id, etype, key, topic, time, data}
end
-- A timer in this partition's due set (member "kind|id|token", score = due time in ms); returned in __scheduled so
-- that the caller arms a local timer for it.
local function schedule(due, member, at)
  call('ZADD', due, at, member)
  __scheduled[#__scheduled + 1] = {due, tostring(at)}
end
local function unschedule(due, member)
  return call('ZREM', due, member)
end
local function capacity(stream, id, agentId, active, max, time, reason, extra)
  local ev = {agentId = agentId, active = tonumber(active), max = tonumber(max), changedAt = time}
  if reason and reason ~= '' then ev.reason = reason end
  if extra then for k, v in pairs(extra) do ev[k] = v end end
  outbox(stream, id, 'agent.capacity.changed', agentId, time, cjson.encode(ev))
end
-- The agent's routing state, appended to the result of every agent script (the caller updates the candidate
-- indexes from it): status, active, max, lastAssignedAt, ver, skills, grace.
local function with_state(result, ak)
  local a = call('HMGET', ak, 'status', 'active', 'max', 'lastAssignedAt', 'ver', 'skills', 'grace')
  result[#result + 1] = a[1] or 'OFFLINE'
  result[#result + 1] = a[2] or '0'
  result[#result + 1] = a[3] or '0'
  result[#result + 1] = a[4] or '0'
  result[#result + 1] = a[5] or '0'
  result[#result + 1] = a[6] or '{}'
  result[#result + 1] = a[7] or ''
  return result
end
-- The chat's routing record: the latest maxSteps steps in the list; older ones are folded into counters on the chat
-- hash (earlier:<step>, earlierFrom, earlierTo), so the record stays small however often a chat bounces.
local function decide(ck, dk, step, maxSteps)
  call('RPUSH', dk, step)
  call('HINCRBY', ck, 'decisionCount', 1)
  while call('LLEN', dk) > maxSteps do
    local old = call('LPOP', dk)
    local ok, d = pcall(cjson.decode, old)
    local kind = 'unknown'
    if ok and type(d) == 'table' and type(d.step) == 'string' then kind = d.step end
    call('HINCRBY', ck, 'earlier:' .. kind, 1)
    if ok and type(d) == 'table' and type(d.at) == 'string' then
      if not call('HGET', ck, 'earlierFrom') then call('HSET', ck, 'earlierFrom', d.at) end
      call('HSET', ck, 'earlierTo', d.at)
    end
  end
end
-- WaitEstimator.Curve.secondsAt, the same arithmetic
local function wait_at(pos, free, first, step)
  free = tonumber(free)
  if pos <= free then return 0 end
  local s = tonumber(first) + (pos - free - 1) * tonumber(step)
  if s < 0 then s = 0 end
  if s > 604800 then s = 604800 end
  return math.ceil(s)
end
