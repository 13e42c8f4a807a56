-- Claims one timer of a partition: TAKEN when this caller removed it (and so handles it), GONE otherwise.
-- KEYS: due   ARGV: member
if call('ZREM', KEYS[1], A[1]) == 1 then return {'TAKEN'} end
return {'GONE'}
