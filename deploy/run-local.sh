#!/usr/bin/env bash
# Runs ChatRoute locally: Kafka, PostgreSQL and Redis (deploy/infra's InfraMain) and the four services as
# separate processes, seeds the demo set-up from deploy/seed/ and waits. Ctrl-C stops everything it started.
#
#   deploy/run-local.sh [--wipe] [--no-build]
#
#   --wipe      delete .local/data (Kafka topics, databases, Redis) before starting
#   --no-build  never run Maven; fail if a service jar or the infra launcher is missing
#
# Environment (all optional):
#   KAFKA_BOOTSTRAP_SERVERS, CHATROUTE_POSTGRES_HOSTPORT, CHATROUTE_REDIS_URL   use these existing servers
#   CHATROUTE_POSTGRES_USER, CHATROUTE_POSTGRES_PASSWORD                         credentials for an existing PostgreSQL
#   SESSION_PORT (8080) ROUTING_PORT (8081) HISTORY_PORT (8082) KNOWLEDGE_PORT (8083)
#   CHATROUTE_HEAP (256m)  CHATROUTE_MVN_ARGS (extra Maven arguments, e.g. -o)
#   CHATROUTE_WIDGET_ORIGINS     sites allowed to embed the widget (CORS and socket Origin), comma-separated
#   CHATROUTE_STARTS_PER_MINUTE_PER_ADDRESS (30)   raise it to drive the load tool against this system
set -uo pipefail

started_at=$SECONDS
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1

wipe=false
build=true
for arg in "$@"; do
  case $arg in
    --wipe) wipe=true ;;
    --no-build) build=false ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m[run-local]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[run-local] %s\033[0m\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ JDK >= 21
# shellcheck source=deploy/jdk.sh
source "$(dirname "${BASH_SOURCE[0]}")/jdk.sh"
JAVA_HOME=$(pick_jdk) || die "no JDK 21 or newer found (set JAVA_HOME or install one under /usr/lib/jvm)"
export JAVA_HOME
JAVA=$JAVA_HOME/bin/java
say "JDK: $JAVA_HOME ($(java_major "$JAVA_HOME"))"

# ------------------------------------------------------------------ build what is missing
services=(routing-service session-service history-service knowledge-service)
declare -A port=(
  [session-service]=${SESSION_PORT:-8080} [routing-service]=${ROUTING_PORT:-8081}
  [history-service]=${HISTORY_PORT:-8082} [knowledge-service]=${KNOWLEDGE_PORT:-8083})
version=$(sed -n '0,/<version>/s/.*<version>\(.*\)<\/version>.*/\1/p' pom.xml | head -1)
infra_jar=deploy/infra/target/chatroute-infra-$version.jar

missing=()
for s in "${services[@]}"; do
  [[ -f $s/target/quarkus-app/quarkus-run.jar ]] || missing+=("$s")
done
[[ -f $infra_jar && -d deploy/infra/target/lib ]] || missing+=(deploy/infra)
if [[ ${#missing[@]} -gt 0 ]]; then
  $build || die "missing build output (${missing[*]}) and --no-build given; run ./mvnw -B package -DskipTests"
  say "building (missing: ${missing[*]}): ./mvnw -B package -DskipTests ${CHATROUTE_MVN_ARGS:-}"
  # shellcheck disable=SC2086
  ./mvnw -B package -DskipTests ${CHATROUTE_MVN_ARGS:-} || die "the build failed"
fi

# ------------------------------------------------------------------ .local: keys, logs, data
local_dir=$root/.local
keys=$local_dir/keys
logs=$local_dir/logs
data=$local_dir/data
if $wipe; then
  say "--wipe: deleting $data"
  rm -rf "$data"
fi
mkdir -p "$keys" "$logs" "$data"
if [[ ! -f $keys/dev-private.pem || ! -f $keys/dev-public.pem ]]; then
  say "generating the development key pair in $keys"
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$keys/dev-private.pem" 2>/dev/null) \
    || die "openssl could not generate a key"
  openssl pkey -in "$keys/dev-private.pem" -pubout -out "$keys/dev-public.pem" || die "openssl could not write the public key"
fi

# ------------------------------------------------------------------ stop everything on exit
declare -A pid=()
infra_pid=""
stopping=false
stop_pid() { # $1 pid, $2 name, $3 seconds to wait before SIGKILL
  local p=$1 i
  kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null
  for ((i = 0; i < $3 * 10; i++)); do
    kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return 0; }
    sleep 0.1
  done
  say "$2 did not stop in $3 s; killing it"
  kill -KILL "$p" 2>/dev/null
  wait "$p" 2>/dev/null
}
cleanup() {
  $stopping && return
  stopping=true
  trap - INT TERM
  echo
  local s
  for s in "${!pid[@]}"; do
    say "stopping $s (pid ${pid[$s]})"
    kill -TERM "${pid[$s]}" 2>/dev/null
  done
  for s in "${!pid[@]}"; do
    stop_pid "${pid[$s]}" "$s" 20
  done
  if [[ -n $infra_pid ]]; then
    say "stopping infrastructure (pid $infra_pid)"
    stop_pid "$infra_pid" infrastructure 30
  fi
  say "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ infrastructure
infra_log=$logs/infra.log
rm -f "$local_dir/infra.env"
: >"$infra_log" # truncate here, not in the background child: an old "INFRA READY" must not be read
say "starting Kafka, PostgreSQL and Redis (log: $infra_log)"
# setsid: Ctrl-C in the terminal must not reach Redis/PostgreSQL directly; cleanup() stops them in order.
# --parent-pid: the launcher also stops if this script is killed outright.
setsid "$JAVA" -Xmx384m -XX:+UseSerialGC -cp "$infra_jar:deploy/infra/target/lib/*" \
  -Dlog4j.configurationFile=deploy/infra/src/launcher/log4j2.xml \
  io.chatroute.infra.InfraMain --data "$data" --env-file "$local_dir/infra.env" --parent-pid $$ \
  </dev/null >"$infra_log" 2>&1 &
infra_pid=$!
for ((i = 0; ; i++)); do
  grep -q "INFRA READY" "$infra_log" 2>/dev/null && break
  if ! kill -0 "$infra_pid" 2>/dev/null; then
    tail -n 30 "$infra_log" >&2
    infra_pid=""
    die "the infrastructure exited (is a port 9092/9093/5432/6379 in use? see $infra_log)"
  fi
  ((i < 1800)) || { tail -n 30 "$infra_log" >&2; die "the infrastructure was not ready after 180 s"; }
  sleep 0.1
done
say "$(grep -m1 "INFRA READY" "$infra_log")"
# shellcheck disable=SC1091
set -a; source "$local_dir/infra.env"; set +a
pg_user=${CHATROUTE_POSTGRES_USER:-postgres}
pg_password=${CHATROUTE_POSTGRES_PASSWORD-postgres}

# ------------------------------------------------------------------ services
routing_token=$(deploy/dev-token.sh session-service platform $((30 * 24 * 3600))) || die "could not mint the routing token"
common_env=(
  "KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS"
  "CHATROUTE_JWT_PUBLIC_KEY=file:$keys/dev-public.pem"
  "CHATROUTE_JWT_ISSUER=https://chatroute.dev/issuer")
service_env() { # $1 service: prints its environment, one VAR=value a line
  printf '%s\n' "${common_env[@]}" "QUARKUS_HTTP_PORT=${port[$1]}"
  case $1 in
    routing-service) printf '%s\n' "QUARKUS_REDIS_HOSTS=$QUARKUS_REDIS_HOSTS" ;;
    session-service) printf '%s\n' "QUARKUS_REDIS_HOSTS=$QUARKUS_REDIS_HOSTS" \
      "CHATROUTE_ROUTING_URL=http://localhost:${port[routing-service]}" "CHATROUTE_ROUTING_TOKEN=$routing_token" \
      "CHATROUTE_HISTORY_URL=http://localhost:${port[history-service]}" "CHATROUTE_HISTORY_TOKEN=$routing_token" ;;
    history-service | knowledge-service)
      local db=${1%-service}
      printf '%s\n' "QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://$CHATROUTE_POSTGRES_HOST:$CHATROUTE_POSTGRES_PORT/$db" \
        "QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://$CHATROUTE_POSTGRES_HOST:$CHATROUTE_POSTGRES_PORT/$db" \
        "QUARKUS_DATASOURCE_USERNAME=$pg_user" "QUARKUS_DATASOURCE_PASSWORD=$pg_password"
      # the knowledge bot posts its answers through session-service's REST API with a platform token
      if [[ $1 == knowledge-service ]]; then
        printf '%s\n' "CHATROUTE_KNOWLEDGE_BOT_SESSION_URL=http://localhost:${port[session-service]}" \
          "CHATROUTE_KNOWLEDGE_BOT_TOKEN=$routing_token"
      fi ;;
  esac
}
for s in "${services[@]}"; do
  mapfile -t envs < <(service_env "$s")
  say "starting $s on :${port[$s]} (log: $logs/$s.log)"
  setsid env "${envs[@]}" "$JAVA" -Xmx${CHATROUTE_HEAP:-256m} -XX:+UseSerialGC -jar "$s/target/quarkus-app/quarkus-run.jar" \
    </dev/null >"$logs/$s.log" 2>&1 &
  pid[$s]=$!
done
for s in "${services[@]}"; do
  for ((i = 0; ; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:${port[$s]}/q/health/ready" 2>/dev/null && break
    if ! kill -0 "${pid[$s]}" 2>/dev/null; then
      tail -n 30 "$logs/$s.log" >&2
      unset "pid[$s]"
      die "$s exited during start-up; see $logs/$s.log"
    fi
    ((i < 1800)) || { tail -n 30 "$logs/$s.log" >&2; die "$s was not ready after 180 s; see $logs/$s.log"; }
    sleep 0.1
  done
  say "$s ready on http://localhost:${port[$s]}"
done

# ------------------------------------------------------------------ seed the demo set-up (idempotent PUTs)
seed=deploy/seed
admin_token=$(deploy/dev-token.sh seed-admin admin 600)
seed_ok=0
seed_failed=0
put() { # $1 base URL, $2 path, $3 JSON file
  local code body
  body=$(mktemp)
  code=$(curl -sS -o "$body" -w '%{http_code}' -X PUT "$1$2" -H "Authorization: Bearer $admin_token" \
    -H 'Content-Type: application/json' --data-binary "@$3" 2>>"$body")
  if [[ $code == 2* ]]; then
    seed_ok=$((seed_ok + 1))
  else
    seed_failed=$((seed_failed + 1))
    say "seed: PUT $2 from $3 answered $code: $(head -c 400 "$body")"
  fi
  rm -f "$body"
}
routing=http://localhost:${port[routing-service]}
knowledge=http://localhost:${port[knowledge-service]}
for f in "$seed"/forms/*.json; do put "$routing" "/api/v1/forms/$(basename "$f" .json)" "$f"; done
# general first: the other queues overflow into it
for q in general billing technical; do put "$routing" "/api/v1/queues/$q" "$seed/queues/$q.json"; done
put "$routing" /api/v1/routing/rules "$seed/routing-rules.json"
for f in "$seed"/agents/*.json; do put "$routing" "/api/v1/agents/$(basename "$f" .json)" "$f"; done
for f in "$seed"/kb/articles/*.json; do put "$knowledge" "/api/v1/kb/articles/$(basename "$f" .json)" "$f"; done
for f in "$seed"/kb/canned/*.json; do put "$knowledge" "/api/v1/kb/canned/$(basename "$f" .json)" "$f"; done
say "seeded $seed_ok items from $seed/ ($seed_failed failed)"

# ------------------------------------------------------------------ ready
elapsed=$((SECONDS - started_at))
# the agent desktop signs in from #token= (a development token for the seeded agent anna, valid 12 h; the page takes it
# out of the address bar at once)
desk_token=$(deploy/dev-token.sh anna agent 43200) || die "could not mint the agent desktop's token"
# the supervisor dashboard likewise (the development supervisor sup-1, valid 12 h)
board_token=$(deploy/dev-token.sh sup-1 supervisor 43200) || die "could not mint the dashboard's token"
cat <<INFO

  ChatRoute is running (ready in ${elapsed} s).

  Demo shop with the chat widget   http://localhost:${port[session-service]}/demo/
  Agent desktop (agent anna)       http://localhost:${port[session-service]}/agent/#token=$desk_token
  Supervisor dashboard (sup-1)     http://localhost:${port[session-service]}/dashboard/#token=$board_token

  session-service    http://localhost:${port[session-service]}   (public edge, WebSockets: ws://localhost:${port[session-service]}/ws/...)
  routing-service    http://localhost:${port[routing-service]}
  history-service    http://localhost:${port[history-service]}
  knowledge-service  http://localhost:${port[knowledge-service]}
  OpenAPI            http://localhost:<port>/q/openapi     health: /q/health/ready   metrics: /q/metrics
  Kafka $KAFKA_BOOTSTRAP_SERVERS   PostgreSQL $CHATROUTE_POSTGRES_HOST:$CHATROUTE_POSTGRES_PORT (databases history, knowledge)   Redis $QUARKUS_REDIS_HOSTS

  Tokens:   deploy/dev-token.sh anna agent        (agents: anna, boris, li, noa)
            deploy/dev-token.sh sup-1 supervisor
            deploy/dev-token.sh admin-1 admin
  Agent:    java deploy/tools/WsClient.java "ws://localhost:${port[session-service]}/ws/agent?token=\$(deploy/dev-token.sh anna agent)"
  Visitor:  curl -s -X POST localhost:${port[session-service]}/api/v1/chats -H 'Content-Type: application/json' \\
              -d '{"formId":"default","visitor":{"name":"Anna"},"form":{"topic":"billing","language":"en"},"message":"I was charged twice"}'
            java deploy/tools/WsClient.java "ws://localhost:${port[session-service]}/ws/visitor/<chatId>?token=<visitorToken>"
  Logs:     $logs/{infra,routing-service,session-service,history-service,knowledge-service}.log
  Data:     $data   (kept between runs; --wipe to start empty)

  Ctrl-C stops everything.
INFO

# ------------------------------------------------------------------ wait until Ctrl-C
declare -A reported=()
while true; do
  for s in "${!pid[@]}"; do
    if [[ -z ${reported[$s]:-} ]] && ! kill -0 "${pid[$s]}" 2>/dev/null; then
      say "warning: $s (pid ${pid[$s]}) has exited; see $logs/$s.log"
      reported[$s]=1
    fi
  done
  if ! kill -0 "$infra_pid" 2>/dev/null; then
    say "the infrastructure has exited; see $infra_log"
    infra_pid=""
    exit 1
  fi
  sleep 2 &
  wait $! 2>/dev/null
done
