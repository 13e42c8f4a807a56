-- Appends an event that changes no state. KEYS: 1 outbox. ARGV: id, type, key, topic, time, data
outbox(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
return 'ok'
