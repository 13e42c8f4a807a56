-- An agent's presence.
--   set         AVAILABLE | AWAY | OFFLINE as asked (REST, or agent.presence.requested with any status but a
--               disconnect's OFFLINE); ends a grace period. OFFLINE returns the chats the agent holds, which the
--               caller gives back (offers withdrawn, assigned chats to the front of their queues).
--   disconnect  session's OFFLINE when the agent's last socket closed: a grace period starts (grace timer); an
--               AVAILABLE agent turns AWAY (no new offers, keeps its chats). Returns the held chats: the caller
--               withdraws the waiting offers. Any presence request before the timer fires ends the grace.
--   grace-end   the grace timer fired (claimed here): the agent goes OFFLINE, as set OFFLINE.
--   reconnect   session's agent.connected (a socket of the agent opened): a grace period ends and the agent gets back
--               the status it had when its last socket closed; without a grace period nothing changes.
--   disconnect and reconnect may carry session's socket version: one older than the newest seen is stale (the open on
--   another instance raced ahead of this close, or the other way round) and changes nothing.
-- KEYS: agent holds processed outbox due
-- ARGV: agentId mode status now nowIso ttl graceMs token eventId socketVersion
local ak, hk, pk, ob, due = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local prior = seen(pk)
if prior then return prior end
if call('EXISTS', ak) == 0 then return done(pk, A[6], {'UNKNOWN'}) end
local a = call('HMGET', ak, 'status', 'grace', 'graceFrom')
local prev, grace, graceFrom = a[1] or 'OFFLINE', a[2], a[3]
local mode, now = A[2], tonumber(A[4])
if (mode == 'disconnect' or mode == 'reconnect') and A[10] ~= '' then
  local seenVersion = tonumber(call('HGET', ak, 'socketVersion') or '0')
  if tonumber(A[10]) <= seenVersion then return done(pk, A[6], with_state({'UNCHANGED', prev, ''}, ak)) end
  call('HSET', ak, 'socketVersion', A[10])
end
local function holds()
  return table.concat(call('HKEYS', hk), ',')
end
local function change(status, reason)
  call('HSET', ak, 'status', status, 'statusSince', now, 'missedOffers', 0)
  call('HINCRBY', ak, 'ver', 1)
  local ev = {agentId = A[1], status = status, previousStatus = prev, changedAt = A[5]}
  if reason ~= '' then ev.reason = reason end
  outbox(ob, A[9], 'agent.presence.changed', A[1], A[5], cjson.encode(ev))
end
if mode == 'grace-end' then
  if unschedule(due, 'grace|' .. A[1] .. '|' .. A[8]) == 0 then return {'NOT_DUE'} end
  if grace ~= A[8] then return {'STALE'} end
  call('HDEL', ak, 'grace', 'graceUntil', 'graceFrom')
  if prev ~= 'OFFLINE' then change('OFFLINE', 'disconnected') else call('HINCRBY', ak, 'ver', 1) end
  return with_state({'CHANGED', prev, holds()}, ak)
end
if mode == 'reconnect' then
  if not grace then return done(pk, A[6], with_state({'UNCHANGED', prev, ''}, ak)) end
  unschedule(due, 'grace|' .. A[1] .. '|' .. grace)
  call('HDEL', ak, 'grace', 'graceUntil', 'graceFrom')
  local back = graceFrom or prev
  if back == prev then
    call('HINCRBY', ak, 'ver', 1)
    return done(pk, A[6], with_state({'UNCHANGED', prev, ''}, ak))
  end
  change(back, 'reconnected')
  return done(pk, A[6], with_state({'CHANGED', prev, ''}, ak))
end
if mode == 'disconnect' then
  if prev == 'OFFLINE' then return done(pk, A[6], with_state({'UNCHANGED', prev, holds()}, ak)) end
  if grace then return done(pk, A[6], with_state({'GRACE', prev, holds()}, ak)) end
  local untilMs = now + tonumber(A[7])
  call('HSET', ak, 'grace', A[8], 'graceUntil', untilMs, 'graceFrom', prev)
  schedule(due, 'grace|' .. A[1] .. '|' .. A[8], untilMs)
  if prev == 'AVAILABLE' then change('AWAY', 'disconnected') else call('HINCRBY', ak, 'ver', 1) end
  return done(pk, A[6], with_state({'GRACE', prev, holds()}, ak))
end
local status = A[3]
if grace then
  unschedule(due, 'grace|' .. A[1] .. '|' .. grace)
  call('HDEL', ak, 'grace', 'graceUntil', 'graceFrom')
  call('HINCRBY', ak, 'ver', 1)
end
local held = ''
if status == 'OFFLINE' then held = holds() end
if prev == status then return done(pk, A[6], with_state({'UNCHANGED', prev, held}, ak)) end
change(status, '')
return done(pk, A[6], with_state({'CHANGED', prev, held}, ak))
