#!/usr/bin/env bash
# Prints a development JWT (RS256) that every ChatRoute service trusts when run by deploy/run-local.sh.
#
#   deploy/dev-token.sh SUBJECT ROLE[,ROLE...] [TTL_SECONDS]
#
#   SUBJECT      the token's sub and upn (for an agent: the agent id), [A-Za-z0-9._@:-]+
#   ROLE         agent | supervisor | admin | platform (several: comma-separated, e.g. admin,platform)
#   TTL_SECONDS  lifetime, default 43200 (12 h)
#
# Claims are those of io.chatroute.infra.DevTokens: iss=https://chatroute.dev/issuer, sub=upn=SUBJECT,
# groups=[ROLE...], iat, exp, jti. Signed with .local/keys/dev-private.pem (override with
# CHATROUTE_DEV_PRIVATE_KEY). Needs bash and openssl only.
set -euo pipefail

usage() {
  echo "usage: $0 SUBJECT ROLE[,ROLE...] [TTL_SECONDS]   (ROLE: agent|supervisor|admin|platform)" >&2
  exit 2
}

[[ $# -ge 2 && $# -le 3 ]] || usage
subject=$1
roles=$2
ttl=${3:-43200}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
key=${CHATROUTE_DEV_PRIVATE_KEY:-$root/.local/keys/dev-private.pem}

[[ $subject =~ ^[A-Za-z0-9._@:-]+$ ]] || { echo "error: SUBJECT must match [A-Za-z0-9._@:-]+: '$subject'" >&2; exit 2; }
[[ $ttl =~ ^[0-9]+$ && $ttl -gt 0 ]] || { echo "error: TTL_SECONDS must be a positive integer: '$ttl'" >&2; exit 2; }
groups=""
IFS=',' read -r -a role_list <<<"$roles"
[[ ${#role_list[@]} -gt 0 ]] || usage
for role in "${role_list[@]}"; do
  case $role in
    agent|supervisor|admin|platform) ;;
    *) echo "error: unknown role '$role' (agent|supervisor|admin|platform)" >&2; exit 2 ;;
  esac
  groups+="${groups:+,}\"$role\""
done

if [[ ! -r $key ]]; then
  echo "error: no development key at $key; run deploy/run-local.sh first (it generates .local/keys)" >&2
  exit 1
fi
command -v openssl >/dev/null || { echo "error: openssl is not installed" >&2; exit 1; }

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

now=$(date +%s)
exp=$((now + ttl))
jti=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || openssl rand -hex 16)
header='{"alg":"RS256","typ":"JWT"}'
payload="{\"iss\":\"https://chatroute.dev/issuer\",\"sub\":\"$subject\",\"upn\":\"$subject\",\"groups\":[$groups],\"iat\":$now,\"exp\":$exp,\"jti\":\"$jti\"}"
signing_input="$(printf '%s' "$header" | b64url).$(printf '%s' "$payload" | b64url)"
signature=$(printf '%s' "$signing_input" | openssl dgst -sha256 -sign "$key" -binary | b64url)
printf '%s.%s\n' "$signing_input" "$signature"
