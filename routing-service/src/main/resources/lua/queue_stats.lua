-- A queue's counters, each fact counted once (a marker in the queue's partition):
--   answered   the UTC day's service-level counters (answered, answeredWithinTarget, answerWaitMs) and the recent
--              answers (throughput for the wait estimate)
--   abandoned  the day's abandoned counter
--   handled    a handle time (assigned to closed) among the latest 100
--   arrived    a recent arrival (idempotent by member; no marker)
-- Recent sets are trimmed to the window and to 1000 entries: nothing grows without bound.
-- KEYS: stats marker answers handle arrivals
-- ARGV: mode now statsTtl markerTtl windowMs value within member
local sk, mk, ans, hk, arr = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local mode, now = A[1], tonumber(A[2])
if mode == 'arrived' then
  call('ZADD', arr, now, A[8])
  call('ZREMRANGEBYSCORE', arr, '-inf', now - tonumber(A[5]))
  call('ZREMRANGEBYRANK', arr, 0, -1001)
  return {'COUNTED'}
end
if not call('SET', mk, '1', 'NX', 'EX', A[4]) then return {'DUPLICATE'} end
if mode == 'answered' then
  call('HINCRBY', sk, 'answered', 1)
  call('HINCRBY', sk, 'answerWaitMs', A[6])
  if A[7] == '1' then call('HINCRBY', sk, 'answeredWithinTarget', 1) end
  call('EXPIRE', sk, A[3])
  call('ZADD', ans, now, A[8])
  call('ZREMRANGEBYSCORE', ans, '-inf', now - tonumber(A[5]))
  call('ZREMRANGEBYRANK', ans, 0, -1001)
elseif mode == 'abandoned' then
  call('HINCRBY', sk, 'abandoned', 1)
  call('EXPIRE', sk, A[3])
elseif mode == 'handled' then
  call('LPUSH', hk, A[6])
  call('LTRIM', hk, 0, 99)
end
return {'COUNTED'}
