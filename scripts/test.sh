#!/usr/bin/env bash
# The whole test suite: unit and integration tests on the local Postgres and Redis.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh
bash scripts/ensure-services.sh
exec pnpm test:ci "$@"
