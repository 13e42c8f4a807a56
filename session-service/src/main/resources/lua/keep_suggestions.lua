-- The latest knowledge-base suggestions for a chat, kept briefly so that an offer or an assignment that comes after
-- them (kb.suggested for the first message often reaches session-service before chat.offered) still carries them.
-- KEYS[1] session:chat:<id>:suggestions (hash: forSeq, items)
-- ARGV[1] forSeq, ARGV[2] items (JSON array), ARGV[3] time to live (ms)
-- Returns 1 when stored, 0 when suggestions for a later message are kept already (the same ones again: stored again).
local current = call('HGET', KEYS[1], 'forSeq')
if current and tonumber(current) > tonumber(ARGV[1]) then
  return 0
end
call('HSET', KEYS[1], 'forSeq', ARGV[1], 'items', ARGV[2])
call('PEXPIRE', KEYS[1], ARGV[3])
return 1
