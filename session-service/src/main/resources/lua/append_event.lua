-- Appends an event that changes no state. KEYS: 1 outbox. ARGV: id, type, key, topic, time, data
return redis.call('XADD', KEYS[1], '*', 'id', ARGV[1], 'type', ARGV[2], 'key', ARGV[3],
  'topic', ARGV[4], 'time', ARGV[5], 'data', ARGV[6])
