-- The queue closed (its close timer): every waiting chat that was told a place is told that the queue is closed
-- (chat.offline with the next opening, from its entry's event template), and marked as told no place, so the first
-- announcement after the opening tells it its place again. A chat never told a place (it entered while the queue was
-- closed, or is only reserved) is left as it is.
-- KEYS: waiting entries announced outbox
-- ARGV: nowIso eventIdBase nextOpenAt('' = none) limit
local wk, ek, ak, ob = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local ids = call('ZRANGE', wk, 0, tonumber(A[4]) - 1)
local sent = 0
for _, chatId in ipairs(ids) do
  local ann = call('HGET', ak, chatId)
  if ann then
    local ae, ap, at, ast = string.match(ann, '^(%d+)|(%-?%d+)|%-?[%d.]+|([^|]*)|(%a)')
    local raw = call('HGET', ek, chatId)
    if ast == 'Q' and tonumber(ap) > 0 and raw then
      local ev = cjson.decode(raw).ev
      ev.position = nil
      ev.estimatedWaitSeconds = nil
      ev.status = 'OFFLINE'
      ev.reason = 'closed'
      if A[3] ~= '' then ev.nextOpenAt = A[3] else ev.nextOpenAt = cjson.null end
      sent = sent + 1
      outbox(ob, A[2] .. '-' .. sent, 'chat.offline', chatId, A[1], cjson.encode(ev))
      call('HSET', ak, chatId, ae .. '|0|-1|' .. at .. '|Q')
    end
  end
end
return {'CLOSED', tostring(sent), tostring(#ids)}
