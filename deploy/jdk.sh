# Sourced by deploy/run-local.sh and deploy/load-test.sh: java_major and pick_jdk (a JDK >= 21 with javac's
# runtime: JAVA_HOME if it is one, else Temurin 25, else any /usr/lib/jvm/*).
java_major() { # $1 = a JDK home; prints its feature version or nothing
  local home=$1 v=""
  [[ -x $home/bin/java ]] || return 0
  if [[ -r $home/release ]]; then
    v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)"/\1/p' "$home/release")
  fi
  [[ -n $v ]] || v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -1)
  v=${v#1.}
  echo "${v%%[.+-]*}"
}
pick_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [[ -n $candidate && -d $candidate ]] || continue
    major=$(java_major "$candidate")
    if [[ -n $major && $major -ge 21 ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
