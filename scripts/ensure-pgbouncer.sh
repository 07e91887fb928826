#!/usr/bin/env bash
# Installs Debian's pgbouncer for the transaction-pooling test when it is missing. The test starts
# its own pgbouncer process (packages/testing/src/start-pgbouncer.ts) with its own ini; the
# package's system service is never used.
set -euo pipefail
if [ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "ensure-pgbouncer: pgbouncer is missing and apt-get is not available" >&2
  exit 1
fi
sudo_cmd=()
if [ "$(id -u)" != "0" ]; then sudo_cmd=(sudo); fi
echo "ensure-pgbouncer: installing Debian's pgbouncer"
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null
