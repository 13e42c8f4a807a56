-- Re-announces positions and estimated waits of a queue's waiting chats: a chat.queued for every chat (among the
-- first `limit`) whose position or estimate differs from what it was last told. At most once per minIntervalMs per
-- queue whatever the number of instances (SOON answers how long to wait), so a busy queue sends at most one event
-- per waiting chat per interval, never one per change. Beyond the first `near` chats, a chat is told again only after
-- a quiet time that grows with its place (quietPerPlaceMs per place, at most maxQuietMs): the first in line see every
-- move, the 500th is told every 50 s, so a long queue costs tens of events a second instead of one per chat.
-- KEYS: waiting entries announced meta outbox
-- ARGV: now nowIso minIntervalMs limit eventIdBase near quietPerPlaceMs maxQuietMs [targetId free first step]...
local wk, ek, ak, mk, ob = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now = tonumber(A[1])
local last = tonumber(call('HGET', mk, 'lastAt') or '0')
if now - last < tonumber(A[3]) then return {'SOON', tostring(last + tonumber(A[3]) - now)} end
call('HSET', mk, 'lastAt', now)
local curves = {}
for i = 9, #A, 4 do curves[A[i]] = {A[i + 1], A[i + 2], A[i + 3]} end
local near, perPlace, maxQuiet = tonumber(A[6]), tonumber(A[7]), tonumber(A[8])
local ids = call('ZRANGE', wk, 0, tonumber(A[4]) - 1)
local sent = 0
local nextIn = nil -- the soonest a chat whose change waits out its quiet time is due
for i, chatId in ipairs(ids) do
  local ann = call('HGET', ak, chatId)
  if ann then
    local ae, ap, aeta, at, ast, told = string.match(ann, '^(%d+)|(-?%d+)|(-?%d+)|([^|]*)|(%a)|?(%d*)$')
    if ast == 'Q' then
      local c = curves[at]
      local eta = tonumber(aeta)
      if c then eta = wait_at(i, c[1], c[2], c[3]) end
      local quietUntil = tonumber(told ~= '' and told or '0') + math.min(maxQuiet, i * perPlace)
      local changed = tonumber(ap) ~= i or tonumber(aeta) ~= eta
      if changed and i > near and now < quietUntil then
        if nextIn == nil or quietUntil - now < nextIn then nextIn = quietUntil - now end
      elseif changed then
        local raw = call('HGET', ek, chatId)
        if raw then
          local ev = cjson.decode(raw).ev
          ev.position = i
          ev.estimatedWaitSeconds = eta
          ev.reason = 'position-changed'
          sent = sent + 1
          outbox(ob, A[5] .. '-' .. sent, 'chat.queued', chatId, A[2], cjson.encode(ev))
          call('HSET', ak, chatId, ae .. '|' .. i .. '|' .. eta .. '|' .. at .. '|Q|' .. now)
        end
      end
    end
  end
end
return {'DONE', tostring(sent), tostring(#ids), nextIn and tostring(nextIn) or ''}
