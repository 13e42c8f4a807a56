-- Re-announces positions and estimated waits of a queue's waiting chats: a chat.queued for every chat (among the
-- first `limit`) whose position or estimate differs from what it was last told. At most once per minIntervalMs per
-- queue whatever the number of instances (SOON answers how long to wait), so a busy queue sends at most one event
-- per waiting chat per interval, never one per change.
-- KEYS: waiting entries announced meta outbox
-- ARGV: now nowIso minIntervalMs limit eventIdBase [targetId free first step]...
local wk, ek, ak, mk, ob = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now = tonumber(A[1])
local last = tonumber(call('HGET', mk, 'lastAt') or '0')
if now - last < tonumber(A[3]) then return {'SOON', tostring(last + tonumber(A[3]) - now)} end
call('HSET', mk, 'lastAt', now)
local curves = {}
for i = 6, #A, 4 do curves[A[i]] = {A[i + 1], A[i + 2], A[i + 3]} end
local ids = call('ZRANGE', wk, 0, tonumber(A[4]) - 1)
local sent = 0
for i, chatId in ipairs(ids) do
  local ann = call('HGET', ak, chatId)
  if ann then
    local ae, ap, aeta, at, ast = string.match(ann, '^(%d+)|(-?%d+)|(-?%d+)|([^|]*)|(%a)$')
    if ast == 'Q' then
      local c = curves[at]
      local eta = tonumber(aeta)
      if c then eta = wait_at(i, c[1], c[2], c[3]) end
      if tonumber(ap) ~= i or tonumber(aeta) ~= eta then
        local raw = call('HGET', ek, chatId)
        if raw then
          local ev = cjson.decode(raw).ev
          ev.position = i
          ev.estimatedWaitSeconds = eta
          ev.reason = 'position-changed'
          sent = sent + 1
          outbox(ob, A[5] .. '-' .. sent, 'chat.queued', chatId, A[2], cjson.encode(ev))
          call('HSET', ak, chatId, ae .. '|' .. i .. '|' .. eta .. '|' .. at .. '|Q')
        end
      end
    end
  end
end
return {'DONE', tostring(sent), tostring(#ids)}
