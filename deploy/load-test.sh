#!/usr/bin/env bash
# Runs the ChatRoute load tool (deploy/loadtest): simulated visitors and agents over the public REST and
# WebSocket API, latency percentiles next to the Kafka/Redis floor measured in the same run, delivery
# accounting (lost, duplicated, reordered, offers lost) and a recovery check. Loopback targets only.
#
#   deploy/load-test.sh [steady|burst|soak] [options]          against deploy/run-local.sh (default ports)
#   deploy/load-test.sh steady --start [options]               starts Kafka/PostgreSQL/Redis and the packaged services itself
#   deploy/load-test.sh steady --start-root /other/checkout    ... from another checkout's packaged jars (a baseline)
#   deploy/load-test.sh --help                                 every option
#
# It picks a JDK >= 21 like run-local.sh, builds the module when its jar is missing or older than its sources
# (CHATROUTE_MVN_ARGS adds Maven arguments, e.g. -o), writes results under
# deploy/loadtest/target/results/<timestamp>/ (results.json, report.html) and exits 0 when the verdict passes,
# 1 when it does not, 2 for a bad command line or a set-up failure. LOADTEST_HEAP sets the tool's own -Xmx (512m).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2

say() { printf '\033[1m[load-test]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[load-test] %s\033[0m\n' "$*" >&2; exit 2; }

# shellcheck source=deploy/jdk.sh
source "$(dirname "${BASH_SOURCE[0]}")/jdk.sh"
JAVA_HOME=$(pick_jdk) || die "no JDK 21 or newer found (set JAVA_HOME or install one under /usr/lib/jvm)"
export JAVA_HOME

version=$(sed -n '0,/<version>/s/.*<version>\(.*\)<\/version>.*/\1/p' pom.xml | head -1)
jar=deploy/loadtest/target/chatroute-loadtest-$version.jar
stale=false
if [[ ! -f $jar || ! -d deploy/loadtest/target/lib ]]; then
  stale=true
elif [[ -n $(find deploy/loadtest/src/main deploy/loadtest/pom.xml deploy/infra/src/main -newer "$jar" -type f 2>/dev/null | head -1) ]]; then
  stale=true
fi
if $stale; then
  say "building deploy/loadtest: ./mvnw -B -q -pl deploy/loadtest -am install -DskipTests ${CHATROUTE_MVN_ARGS:-}"
  # shellcheck disable=SC2086
  ./mvnw -B -q -pl deploy/loadtest -am install -DskipTests ${CHATROUTE_MVN_ARGS:-} >&2 || die "the build failed"
fi

exec "$JAVA_HOME/bin/java" "-Xmx${LOADTEST_HEAP:-512m}" -XX:+UseSerialGC -Dchatroute.repo.root="$root" \
  -cp "$jar:deploy/loadtest/target/lib/*" io.chatroute.loadtest.LoadTestMain "$@"
