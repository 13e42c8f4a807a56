#!/usr/bin/env bash
# history-service ingest benchmark: starts throw-away Kafka + PostgreSQL + Redis (deploy/infra's InfraMain, 4
# partitions, synchronous_commit=on) and history-service from its packaged jar as run-local.sh runs it
# (-Xmx256m -XX:+UseSerialGC), then runs history-service/bench/IngestBench.java (a warm-up, then a burst of
# message events) and stops what it started. Everything shares this machine.
#
#   history-service/bench/ingest-bench.sh [--app DIR] [--events 100000] [--warmup 20000] [--chats 1000]
#
#   --app DIR   the quarkus-app folder to run (default history-service/target/quarkus-app; build it with
#               ./mvnw -B -q -pl history-service -am package -DskipTests)
# Other options go to IngestBench unchanged. Logs: target/ingest-bench/ (the service's and the infrastructure's).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=deploy/jdk.sh
source deploy/jdk.sh
JAVA_HOME=$(pick_jdk) || { echo "no JDK 21+ found" >&2; exit 1; }
JAVA=$JAVA_HOME/bin/java

app=history-service/target/quarkus-app
bench_args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --app) app=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bench_args+=("$1" "$2"); shift 2 ;;
  esac
done
[[ -f $app/quarkus-run.jar ]] || { echo "no $app/quarkus-run.jar: build it first" >&2; exit 1; }
version=$(sed -n '0,/<version>/s/.*<version>\(.*\)<\/version>.*/\1/p' pom.xml | head -1)
infra_cp="deploy/infra/target/chatroute-infra-$version.jar:deploy/infra/target/lib/*"
[[ -f deploy/infra/target/chatroute-infra-$version.jar ]] || { echo "build deploy/infra first" >&2; exit 1; }

work=$root/target/ingest-bench
rm -rf "$work"
mkdir -p "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
kafka_port=$(free_port); pg_port=$(free_port); redis_port=$(free_port); http_port=$(free_port)

"$JAVA" -Xmx384m -XX:+UseSerialGC -cp "$infra_cp" io.chatroute.infra.InfraMain --data "$work/infra" --ephemeral \
  --kafka-port "$kafka_port" --postgres-port "$pg_port" --redis-port "$redis_port" --partitions 4 \
  --databases history --topics chat-events > "$work/infra.log" 2>&1 &
infra_pid=$!
pids+=("$infra_pid")
for _ in $(seq 1 180); do grep -q "INFRA READY" "$work/infra.log" && break; sleep 1; done
grep -q "INFRA READY" "$work/infra.log" || { echo "infrastructure did not start; see $work/infra.log" >&2; exit 1; }
bootstrap=$(sed -n 's/.*INFRA READY kafka=\([^ ]*\) .*/\1/p' "$work/infra.log")

KAFKA_BOOTSTRAP_SERVERS=$bootstrap QUARKUS_HTTP_PORT=$http_port \
  QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:$pg_port/history \
  QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:$pg_port/history \
  CHATROUTE_JWT_PUBLIC_KEY=file:/dev/null \
  "$JAVA" -Xmx256m -XX:+UseSerialGC -jar "$app/quarkus-run.jar" > "$work/history-service.log" 2>&1 &
service_pid=$!
pids+=("$service_pid")
for _ in $(seq 1 180); do
  curl -fs "http://127.0.0.1:$http_port/q/health/ready" > /dev/null 2>&1 && break
  kill -0 "$service_pid" 2>/dev/null || { echo "history-service exited; see $work/history-service.log" >&2; exit 1; }
  sleep 1
done
echo "app: $app; infrastructure: kafka $bootstrap, postgres 127.0.0.1:$pg_port; history-service pid $service_pid"
"$JAVA" -cp "deploy/infra/target/lib/*" history-service/bench/IngestBench.java --bootstrap "$bootstrap" \
  --jdbc "jdbc:postgresql://127.0.0.1:$pg_port/history" --pid "$service_pid" --infra-pid "$infra_pid" \
  --postgres-data "$work/infra/postgres" "${bench_args[@]}"
