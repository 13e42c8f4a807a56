-- Applies one consumed event to the chat hash, once per event id.
-- KEYS: 1 processed marker, 2 chat hash
-- ARGV: 1 marker ttl seconds, 2 statuses the change applies to ("*" or comma list), 3 offerId that must match ("" = any),
--       4.. field/value pairs
-- Both keys are in the chat's partition. The agent's index (session:{p<n>}:agent:<id>:chats, another partition) is
-- kept by the caller: the chat is added before this runs.
-- returns 1 applied, 0 already processed, 2 skipped (unknown chat or guard)
if call('EXISTS', KEYS[1]) == 1 then
  return 0
end
call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[1]))
if call('EXISTS', KEYS[2]) == 0 then
  return 2
end
local status = call('HGET', KEYS[2], 'status') or ''
if ARGV[2] ~= '*' and not string.find(',' .. ARGV[2] .. ',', ',' .. status .. ',', 1, true) then
  return 2
end
if ARGV[3] ~= '' then
  local offerId = call('HGET', KEYS[2], 'offerId')
  if offerId ~= ARGV[3] then
    return 2
  end
end
for i = 4, #ARGV, 2 do
  call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
return 1
